using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// Converts between <see cref="Http2Settings"/>, raw <see cref="Http2Setting"/> entries and
/// SETTINGS payloads, and applies the value checks of RFC 9113 section 6.5.2.
/// </summary>
public static class Http2SettingsCodec
{
    /// <summary>The entries to send for <paramref name="settings"/>, in identifier order; null properties are omitted.</summary>
    public static List<Http2Setting> ToEntries(Http2Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var entries = new List<Http2Setting>(6);
        Add(entries, Http2SettingId.HeaderTableSize, settings.HeaderTableSize);
        if (settings.EnablePush is { } push)
        {
            entries.Add(new Http2Setting(Http2SettingId.EnablePush, push ? 1u : 0u));
        }

        Add(entries, Http2SettingId.MaxConcurrentStreams, settings.MaxConcurrentStreams);
        Add(entries, Http2SettingId.InitialWindowSize, settings.InitialWindowSize);
        Add(entries, Http2SettingId.MaxFrameSize, settings.MaxFrameSize);
        Add(entries, Http2SettingId.MaxHeaderListSize, settings.MaxHeaderListSize);
        return entries;

        static void Add(List<Http2Setting> entries, Http2SettingId id, int? value)
        {
            if (value is { } v)
            {
                entries.Add(new Http2Setting(id, (uint)v));
            }
        }
    }

    /// <summary>
    /// Reads the next entry; false at the end of the payload. The payload length was already
    /// checked to be a multiple of 6 by <see cref="Http2FrameReader.Validate"/>.
    /// </summary>
    public static bool TryReadEntry(ref SequenceReader<byte> reader, out Http2Setting setting)
    {
        if (reader.TryReadBigEndian(out short id) && reader.TryReadBigEndian(out int value))
        {
            setting = new Http2Setting((Http2SettingId)(ushort)id, (uint)value);
            return true;
        }

        setting = default;
        return false;
    }

    /// <summary>Throws the error section 6.5.2 prescribes for an illegal value; unknown identifiers pass.</summary>
    public static void Validate(Http2Setting setting)
    {
        switch (setting.Id)
        {
            case Http2SettingId.EnablePush when setting.Value > 1:
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"SETTINGS_ENABLE_PUSH is {setting.Value}; it must be 0 or 1.");

            case Http2SettingId.EnableConnectProtocol when setting.Value > 1:
                // RFC 8441 section 3: "Using a value other than 0 or 1 MUST be treated as a connection error ... of type PROTOCOL_ERROR."
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"SETTINGS_ENABLE_CONNECT_PROTOCOL is {setting.Value}; it must be 0 or 1 (RFC 8441 section 3).");

            case Http2SettingId.InitialWindowSize when setting.Value > Http2Constants.MaxWindowSize:
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError,
                    $"SETTINGS_INITIAL_WINDOW_SIZE is {setting.Value}, above the maximum window size 2^31-1.");

            case Http2SettingId.MaxFrameSize
                when setting.Value is < Http2Constants.DefaultMaxFrameSize or > Http2Constants.MaxAllowedFrameSize:
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"SETTINGS_MAX_FRAME_SIZE is {setting.Value}; it must be between 16384 and 16777215.");
        }
    }
}
