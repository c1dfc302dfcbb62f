namespace MockKit.MockServer.Tests.Soak;

/// <summary>
/// Soak tests count the process's file descriptors and watch for unobserved task exceptions,
/// so they run alone: xunit runs a non-parallel collection after every parallel one.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Soak (runs alone)";
}
