namespace MockKit.MockServer.Exchanges;

/// <summary>How reading a request body ended (<see cref="IExchangeTransport.ReadBodyAsync"/>).</summary>
internal enum RequestBodyOutcome
{
    /// <summary>The whole body was read and is in the record.</summary>
    Complete,

    /// <summary>The body was left unread (DoNotReadRequestBody): the connection cannot carry another request.</summary>
    NotRead,

    /// <summary>OnRequestBody's threshold was reached; reading stopped there.</summary>
    TriggerFired,

    /// <summary>The body was malformed or broke off; the failure is recorded (and answered) already.</summary>
    Failed,
}
