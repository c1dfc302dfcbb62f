namespace MockKit.MockServer;

/// <summary>
/// Recorded as <see cref="RecordedRequest.Failure"/> when a socket policy or trigger effect
/// cut an exchange short (or consumed a response without a request being read).
/// </summary>
public sealed class SocketPolicyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="trigger">The trigger that fired, e.g. <c>OnRequestStart</c>.</param>
    /// <param name="effect">The effect applied, or null for a protocol switch such as a failed handshake.</param>
    /// <param name="message">What happened, naming the policy.</param>
    public SocketPolicyException(string trigger, SocketEffect? effect, string message)
        : base(message)
    {
        Trigger = trigger;
        Effect = effect;
    }

    /// <summary>The trigger that fired.</summary>
    public string Trigger { get; }

    /// <summary>The effect applied, if any.</summary>
    public SocketEffect? Effect { get; }
}
