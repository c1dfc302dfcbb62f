using System.Net.Http.Json;

namespace MockKitXunit;

/// <summary>A user as the users API returns it.</summary>
public sealed record User(int Id, string Name);

/// <summary>
/// The kind of typed API client a team writes and wants to test: it calls a remote users API.
/// Replace it with your own; the tests show how MockKit checks what it sends and how it copes.
/// </summary>
public sealed class UsersApiClient(HttpClient http)
{
    public async Task<User?> GetUserAsync(int id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"users/{id}", cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<User>(cancellationToken);
    }

    public async Task<Uri> CreateUserAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("users", new { name }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response.Headers.Location ?? throw new InvalidOperationException("The API did not say where the user was created.");
    }
}
