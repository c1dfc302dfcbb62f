using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// The settings in force for one direction of a connection, starting at the RFC 9113
/// section 6.5.2 defaults and updated as SETTINGS frames are applied. Not thread-safe:
/// owned by the connection's reader loop (readers on other threads take a snapshot).
/// </summary>
public sealed class Http2PeerSettings
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE; default 4096.</summary>
    public uint HeaderTableSize { get; private set; } = Http2Constants.DefaultHeaderTableSize;

    /// <summary>SETTINGS_ENABLE_PUSH; default true.</summary>
    public bool EnablePush { get; private set; } = true;

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS; default unlimited (<see cref="uint.MaxValue"/>).</summary>
    public uint MaxConcurrentStreams { get; private set; } = uint.MaxValue;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE; default 65535.</summary>
    public int InitialWindowSize { get; private set; } = Http2Constants.DefaultInitialWindowSize;

    /// <summary>SETTINGS_MAX_FRAME_SIZE; default 16384.</summary>
    public int MaxFrameSize { get; private set; } = Http2Constants.DefaultMaxFrameSize;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE; default unlimited (<see cref="uint.MaxValue"/>).</summary>
    public uint MaxHeaderListSize { get; private set; } = uint.MaxValue;

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3); default false. Once true it stays true.</summary>
    public bool EnableConnectProtocol { get; private set; }

    /// <summary>
    /// Validates and applies the entries of a SETTINGS payload in order (section 6.5.3: "processed
    /// in the order in which they appear"). Validation happens before anything is applied, so a
    /// rejected frame leaves these settings unchanged.
    /// </summary>
    /// <returns>The change of SETTINGS_INITIAL_WINDOW_SIZE (new - old), to add to every open stream's send window (section 6.9.2).</returns>
    /// <exception cref="Http2ConnectionException">An illegal value (section 6.5.2).</exception>
    public int Apply(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        while (Http2SettingsCodec.TryReadEntry(ref reader, out Http2Setting setting))
        {
            Http2SettingsCodec.Validate(setting);
            if (setting.Id == Http2SettingId.EnableConnectProtocol && setting.Value == 0 && EnableConnectProtocol)
            {
                // RFC 8441 section 3: "A sender MUST NOT send a SETTINGS_ENABLE_CONNECT_PROTOCOL parameter with
                // the value of 0 after previously sending a value of 1." Withdrawing it would strand the
                // extended CONNECT streams already open, so it is a connection error like an illegal value.
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    "SETTINGS_ENABLE_CONNECT_PROTOCOL went from 1 back to 0 (RFC 8441 section 3 forbids withdrawing it).");
            }
        }

        int oldWindow = InitialWindowSize;
        reader = new SequenceReader<byte>(payload);
        while (Http2SettingsCodec.TryReadEntry(ref reader, out Http2Setting setting))
        {
            Apply(setting);
        }

        return InitialWindowSize - oldWindow;
    }

    /// <summary>Applies our own announced settings (for the snapshot of what the peer must respect).</summary>
    public int Apply(Http2Settings settings)
    {
        int oldWindow = InitialWindowSize;
        foreach (Http2Setting setting in Http2SettingsCodec.ToEntries(settings))
        {
            Apply(setting);
        }

        return InitialWindowSize - oldWindow;
    }

    private void Apply(Http2Setting setting)
    {
        switch (setting.Id)
        {
            case Http2SettingId.HeaderTableSize:
                HeaderTableSize = setting.Value;
                break;
            case Http2SettingId.EnablePush:
                EnablePush = setting.Value == 1;
                break;
            case Http2SettingId.MaxConcurrentStreams:
                MaxConcurrentStreams = setting.Value;
                break;
            case Http2SettingId.InitialWindowSize:
                InitialWindowSize = (int)setting.Value;
                break;
            case Http2SettingId.MaxFrameSize:
                MaxFrameSize = (int)setting.Value;
                break;
            case Http2SettingId.MaxHeaderListSize:
                MaxHeaderListSize = setting.Value;
                break;
            case Http2SettingId.EnableConnectProtocol:
                EnableConnectProtocol = setting.Value == 1;
                break;
            default:
                // Section 6.5.2: "An endpoint that receives a SETTINGS frame with any unknown or
                // unsupported identifier MUST ignore that setting."
                break;
        }
    }
}
