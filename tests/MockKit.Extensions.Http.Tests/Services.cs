using Microsoft.Extensions.DependencyInjection;

namespace MockKit.Extensions.Http.Tests;

/// <summary>Builds a service provider the way an app's startup does, and waits on conditions with a deadline.</summary>
internal static class Services
{
    public static ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after 10 s. For conditions nothing signals (the factory's handler expiry).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(10))
            {
                throw new ShouldAssertException($"Expected {what} within 10 s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
