namespace MockKit.Client.Tests.Observability;

/// <summary>
/// Tests that depend on process-wide diagnostics state (ActivityListeners, Activity.Current, "nobody is
/// listening") run in this collection, which xunit runs with nothing else alongside.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Observability: process-wide diagnostics";
}
