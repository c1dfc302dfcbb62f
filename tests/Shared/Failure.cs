namespace MockKit.Testing;

/// <summary>
/// Captures the <see cref="ShouldAssertException"/> an async assertion throws. Shouldly's own
/// <c>Should.ThrowAsync</c> lets its exception type escape, so assertions about assertions need this.
/// </summary>
internal static class Failure
{
    public static async Task<ShouldAssertException> OfAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (ShouldAssertException e)
        {
            return e;
        }

        throw new global::Xunit.Sdk.XunitException("Expected the assertion to fail, but it passed.");
    }
}
