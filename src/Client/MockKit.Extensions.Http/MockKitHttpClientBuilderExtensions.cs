using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using MockKit;
using MockKit.Client;
using MockKit.MockServer;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Points <c>IHttpClientFactory</c> clients at a <see cref="MockWebServer"/> through an
/// <see cref="InstrumentedHandler"/>: <c>services.AddHttpClient&lt;UsersClient&gt;().AddMockKit(server)</c>,
/// or every client at once with <c>services.ConfigureHttpClientDefaults(b =&gt; b.AddMockKit(server))</c>.
/// </summary>
/// <remarks>
/// <para>The factory builds a new primary handler per rotation (<c>SetHandlerLifetime</c>) and disposes
/// expired ones once no chain uses them. Each is a new <see cref="InstrumentedHandler"/>, but all those of one
/// client name share one <see cref="ConnectionPool"/> and one <see cref="RecordingEventListener"/>
/// (<see cref="ClientInstrumentation"/>, from <c>GetMockKit</c>), so connections, counts and events survive
/// rotation. Handlers the app's own configuration adds (logging, resilience, Refit) stay around it.</para>
/// <para>The handler is applied after every other configuration of the client (a post-configuration), so it
/// replaces a primary handler the app configured itself, also under <c>ConfigureHttpClientDefaults</c>, where
/// the factory would otherwise let a named client's own settings win.</para>
/// </remarks>
public static class MockKitHttpClientBuilderExtensions
{
    /// <summary>
    /// Makes the client's primary handler an <see cref="InstrumentedHandler"/> for <paramref name="server"/>:
    /// its certificates trusted when it serves HTTPS (<see cref="MockWebServer.UseHttps"/>), its protocols
    /// (<see cref="Protocol.H2PriorKnowledge"/> for a cleartext HTTP/2 server), and
    /// <see cref="HttpClient.BaseAddress"/> <c>server.Url("/")</c> unless the client set one.
    /// </summary>
    /// <param name="builder">The client's builder (named, typed, or the defaults of every client).</param>
    /// <param name="server">The server; its settings are read when the first handler is built, so it may start later.</param>
    /// <returns><paramref name="builder"/>, to chain.</returns>
    public static IHttpClientBuilder AddMockKit(this IHttpClientBuilder builder, MockWebServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return builder.AddMockKit(server, pool => ForServer(server, pool));
    }

    /// <summary>
    /// Makes the client's primary handler one that <paramref name="createHandler"/> configures, built anew at each
    /// handler rotation. It must use the pool it is given (<c>new InstrumentedHandler { Pool = pool, … }</c>); its
    /// <see cref="InstrumentedHandler.EventListener"/>, when left at <see cref="EventListener.None"/>, becomes the
    /// client's <see cref="ClientInstrumentation.Events"/>. The base address defaults to <c>server.Url("/")</c>.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="server">The server the client talks to.</param>
    /// <param name="createHandler">Makes one handler over the client's shared pool.</param>
    /// <returns><paramref name="builder"/>, to chain.</returns>
    /// <exception cref="InvalidOperationException">When a handler is built: <paramref name="createHandler"/> returned a handler over another pool.</exception>
    public static IHttpClientBuilder AddMockKit(this IHttpClientBuilder builder, MockWebServer server, Func<ConnectionPool, InstrumentedHandler> createHandler)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(createHandler);
        builder.Services.TryAddSingleton<ClientInstrumentationRegistry>();
        // A null name (ConfigureHttpClientDefaults) post-configures every client.
        builder.Services.PostConfigure<HttpClientFactoryOptions>(builder.Name, options =>
        {
            options.HttpMessageHandlerBuilderActions.Add(handlers => handlers.PrimaryHandler = CreatePrimary(handlers, createHandler));
            options.HttpClientActions.Add(client => client.BaseAddress ??= server.Url("/"));
        });
        return builder;
    }

    private static InstrumentedHandler CreatePrimary(HttpMessageHandlerBuilder handlers, Func<ConnectionPool, InstrumentedHandler> createHandler)
    {
        var instrumentation = handlers.Services.GetRequiredService<ClientInstrumentationRegistry>().For(handlers.Name ?? Options.Options.DefaultName);
        var handler = createHandler(instrumentation.Pool);
        if (handler is null || !ReferenceEquals(handler.Pool, instrumentation.Pool))
        {
            handler?.Dispose();
            throw new InvalidOperationException(
                $"AddMockKit's handler factory for client '{instrumentation.Name}' must return an InstrumentedHandler over the pool it is given (new InstrumentedHandler {{ Pool = pool }}).");
        }

        if (ReferenceEquals(handler.EventListener, EventListener.None))
        {
            handler.EventListener = instrumentation.Events;
        }

        return handler;
    }

    /// <summary>A handler that talks to <paramref name="server"/> the way the server listens.</summary>
    private static InstrumentedHandler ForServer(MockWebServer server, ConnectionPool pool)
    {
        var handler = new InstrumentedHandler { Pool = pool };
        if (server.Certificates is { } certificates)
        {
            // The server's certificates hold the root it was issued by (HandshakeCertificates.Localhost()
            // configures both ends); ALPN then picks among the protocols it serves.
            handler.Certificates = certificates;
            handler.Protocols = [.. server.Protocols.Where(p => p is Protocol.Http2 or Protocol.Http11)];
        }
        else
        {
            // Cleartext cannot negotiate: HTTP/2 only by prior knowledge, which the server then speaks alone.
            handler.Protocols = server.Protocols.Contains(Protocol.H2PriorKnowledge) ? [Protocol.H2PriorKnowledge] : [Protocol.Http11];
        }

        return handler;
    }
}
