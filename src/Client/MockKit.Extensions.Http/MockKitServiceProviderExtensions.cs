using MockKit.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Reaches the <see cref="ClientInstrumentation"/> of a client wired with <c>AddMockKit</c>.</summary>
public static class MockKitServiceProviderExtensions
{
    /// <summary>The pool, events and leak check of the client named <paramref name="clientName"/>.</summary>
    /// <param name="services">The service provider the clients come from.</param>
    /// <param name="clientName">The client's name (<c>IHttpClientBuilder.Name</c>; <see cref="Options.Options.DefaultName"/> for the unnamed client).</param>
    /// <returns>The client's instrumentation; the same instance before and after its first handler is built.</returns>
    /// <exception cref="InvalidOperationException">No client of <paramref name="services"/> was wired with <c>AddMockKit</c>.</exception>
    public static ClientInstrumentation GetMockKit(this IServiceProvider services, string clientName)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        return Registry(services).For(clientName);
    }

    /// <summary>
    /// The pool, events and leak check of the typed client <typeparamref name="TClient"/>, under the name
    /// <c>AddHttpClient&lt;TClient&gt;()</c> gives it (the type's name); for a client registered under a name made from the
    /// type's full name (Refit's <c>AddRefitClient&lt;T&gt;()</c> and <c>AddRefitGeneratedClient&lt;T&gt;()</c>), that one once its
    /// first handler was built (before that, use <see cref="GetMockKit(IServiceProvider, string)"/> with the builder's <c>Name</c>).
    /// </summary>
    /// <typeparam name="TClient">The typed client (or Refit interface).</typeparam>
    /// <param name="services">The service provider the clients come from.</param>
    /// <returns>The client's instrumentation.</returns>
    /// <exception cref="InvalidOperationException">No client of <paramref name="services"/> was wired with <c>AddMockKit</c>.</exception>
    public static ClientInstrumentation GetMockKit<TClient>(this IServiceProvider services)
    {
        var registry = Registry(services);
        var typedName = TypedClientName(typeof(TClient));
        // Refit names a client after its generated type: "Refit.Implementation.Generated…+{namespace without dots}{name}, {assembly}".
        var fullName = typeof(TClient).FullName;
        var compact = fullName?.Replace(".", string.Empty, StringComparison.Ordinal).Replace("+", string.Empty, StringComparison.Ordinal);
        var others = fullName is null || compact is null
            ? []
            : registry.Clients.Where(c => c.Name != typedName
                && (c.Name.Contains(fullName, StringComparison.Ordinal) || c.Name.Contains("+" + compact + ",", StringComparison.Ordinal))).ToList();
        return others.Count == 1 ? others[0] : registry.For(typedName);
    }

    private static ClientInstrumentationRegistry Registry(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService(typeof(ClientInstrumentationRegistry)) as ClientInstrumentationRegistry
            ?? throw new InvalidOperationException("No client of this service provider was wired with AddMockKit(server).");
    }

    /// <summary>The name <c>AddHttpClient&lt;TClient&gt;()</c> registers: the type's display name without namespace, generic arguments in angle brackets.</summary>
    private static string TypedClientName(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(",", type.GetGenericArguments().Select(TypedClientName))}>";
    }
}
