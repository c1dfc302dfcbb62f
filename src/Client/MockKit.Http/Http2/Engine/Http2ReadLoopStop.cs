namespace MockKit.Http2.Engine;

/// <summary>Why <see cref="Http2ReadLoop.RunAsync"/> returned.</summary>
public enum Http2ReadLoopStop
{
    /// <summary>The peer closed its side of the connection.</summary>
    InputEnded,

    /// <summary>The pending read was canceled (<see cref="System.IO.Pipelines.PipeReader.CancelPendingRead"/>): the role is done with the connection.</summary>
    Canceled,

    /// <summary>The sink asked to stop (<see cref="IHttp2FrameSink.StopReading"/>).</summary>
    Stopped,
}
