using System.Net.ServerSentEvents;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// Data the event-stream format cannot carry is refused when the response is made, with an
/// <see cref="ArgumentException"/> naming the event's index and the field.
/// </summary>
public sealed class EventStreamValidationTests
{
    [Fact]
    public void A_nul_in_an_id_is_refused_naming_the_event_and_field()
    {
        var e = Should.Throw<ArgumentException>(() => MockResponse.EventStream(
            [new SseItem<string>("ok") { EventId = "1" }, new SseItem<string>("bad") { EventId = "2\0" }]));

        e.ParamName.ShouldBe("events");
        e.Message.ShouldStartWith("Event 1: its EventId holds a NUL character");
    }

    [Theory]
    [InlineData("EventId", "a\nb", "LF at index 1")]
    [InlineData("EventId", "a\rb", "CR at index 1")]
    [InlineData("EventType", "up\r\ndate", "CR at index 2")]
    public void A_line_break_in_an_id_or_event_type_is_refused_even_when_SseItem_was_bypassed(string field, string value, string where)
    {
        // SseItem's own constructor and init accessor refuse these; a boxed copy's field is set
        // directly to prove the server's check stands on its own.
        var item = WithField(new SseItem<string>("data", "ok") { EventId = "ok" }, field, value);

        var e = Should.Throw<ArgumentException>(() => MockResponse.EventStream([new("first"), new("second"), item]));

        e.Message.ShouldStartWith($"Event 2: its {field} holds a line break ({where})");
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused_because_utf8_cannot_carry_it()
    {
        Should.Throw<ArgumentException>(() => MockResponse.EventStream([new("\ud800 lone")]))
            .Message.ShouldStartWith("Event 0: its Data holds an unpaired surrogate");
        Should.Throw<ArgumentException>(() => MockResponse.EventStream([new("x", "type\udc00")]))
            .Message.ShouldStartWith("Event 0: its EventType holds an unpaired surrogate");

        // A pair is fine.
        MockResponse.EventStream([new("emoji \ud83d\ude00")]).Body.Length.ShouldBe(-1);
    }

    [Fact]
    public void A_negative_interval_and_null_events_are_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => MockResponse.EventStream([], TimeSpan.FromSeconds(-1))).ParamName.ShouldBe("interval");
        Should.Throw<ArgumentNullException>(() => MockResponse.EventStream(null!)).ParamName.ShouldBe("events");
    }

    [Fact]
    public void Data_with_line_breaks_and_a_nul_is_writable()
    {
        // Data is split into one data: line per line; NUL is only special in an id.
        MockResponse.EventStream([new("one\r\ntwo\rthree\nfour\0")]).Body.Length.ShouldBe(-1);
    }

    [Fact]
    public void The_events_are_copied_when_the_response_is_made()
    {
        var events = new List<SseItem<string>> { new("a") };
        var response = MockResponse.EventStream(events);
        events.Add(new("b"));

        response.ToString().ShouldContain("event stream of 1 events");
    }

    private static SseItem<string> WithField(SseItem<string> item, string field, string value)
    {
        var name = field == "EventId" ? "_eventId" : "_eventType";
        object boxed = item;
        typeof(SseItem<string>).GetField(name, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.SetValue(boxed, value);
        return (SseItem<string>)boxed;
    }
}
