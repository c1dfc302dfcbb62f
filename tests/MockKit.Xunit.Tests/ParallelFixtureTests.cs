using MockKit.Assertions;
using MockKit.MockServer;
using Xunit.Abstractions;

namespace MockKit.Xunit.Tests;

/// <summary>
/// Fifty tests on the fixture, spread over ten classes so xunit runs the classes in parallel:
/// each test scripts its own server and must see exactly its own traffic.
/// </summary>
public abstract class ParallelFixtureTests(ITestOutputHelper output) : MockKitTest(output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Each_test_sees_only_its_own_server(int n)
    {
        var marker = $"{GetType().Name}-{n}";
        for (var i = 0; i < 3; i++)
        {
            Server.Enqueue(new MockResponse($"{marker}-{i}"));
        }

        for (var i = 0; i < 3; i++)
        {
            using var response = await Client.GetAsync(Server.Url($"/{marker}/{i}"));
            await response.ShouldHaveBodyAsync($"{marker}-{i}");
            Server.TakeRequest().ShouldHavePath($"/{marker}/{i}").ShouldHaveSequenceNumber(i);
        }

        Server.ShouldHaveReceived(3);
        Handler.Pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(10)).ShouldHaveConnections(1);
    }
}

public sealed class ParallelFixtureTests01(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests02(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests03(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests04(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests05(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests06(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests07(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests08(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests09(ITestOutputHelper output) : ParallelFixtureTests(output);

public sealed class ParallelFixtureTests10(ITestOutputHelper output) : ParallelFixtureTests(output);
