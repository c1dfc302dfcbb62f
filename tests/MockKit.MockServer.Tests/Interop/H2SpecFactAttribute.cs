namespace MockKit.MockServer.Tests.Interop;

/// <summary>
/// A fact that needs the h2spec binary: skipped, saying where it was looked for, only when no file
/// is there (a binary that is present but fails to run fails the test).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class H2SpecFactAttribute : FactAttribute
{
    public H2SpecFactAttribute()
    {
        if (H2Spec.Find() is null)
        {
            Skip = $"h2spec is not installed: no file at {H2Spec.Candidates} (set {H2Spec.PathVariable} to its path).";
        }
    }
}
