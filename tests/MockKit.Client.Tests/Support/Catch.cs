namespace MockKit.Client.Tests.Support;

/// <summary>
/// Awaits a task that must fail and returns the exception as thrown. (Shouldly's ThrowAsync
/// replaces the exception of a cancelled task with a new one, losing the inner exception.)
/// </summary>
internal static class Catch
{
    public static async Task<T> ExceptionAsync<T>(Task task)
        where T : Exception
    {
        try
        {
            await task;
        }
        catch (T e)
        {
            return e;
        }

        throw new ShouldAssertException($"Expected {typeof(T).Name}, but the task completed.");
    }
}
