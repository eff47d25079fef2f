using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ZtStream.Responder.Api;

/// <summary>
/// Who called: the name and role of an API token, or of a console session signed in through the identity provider
/// (<paramref name="CsrfToken"/> is then the token its state-changing requests must echo).
/// </summary>
internal sealed record Caller(string Name, string Role, string? CsrfToken = null)
{
    public bool IsResponder => ApiRoles.Allows(Role, ApiRoles.Responder);

    public bool Can(string role) => ApiRoles.Allows(Role, role);
}

/// <summary>
/// Bearer API tokens from options. Only SHA-256 hashes are kept in memory and compared in constant time,
/// so a timing probe learns nothing and a config holding <c>TokenSha256</c> holds no secret.
/// </summary>
internal sealed class ApiTokenAuthenticator
{
    private readonly List<(byte[] Hash, Caller Caller)> _tokens;
    private readonly byte[]? _feedHash;

    public ApiTokenAuthenticator(IOptions<ResponderOptions> options)
    {
        _tokens = [.. options.Value.ApiTokens.Select(t => (
            Convert.FromHexString(t.TokenSha256 is { Length: > 0 } h ? h : HashHex(t.Token ?? "")),
            new Caller(t.Name, t.Role)))];
        _feedHash = options.Value.FeedToken is { Length: > 0 } f ? SHA256.HashData(Encoding.UTF8.GetBytes(f)) : null;
    }

    public static string HashHex(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public Caller? Authenticate(HttpContext http)
    {
        var presented = Bearer(http);
        if (presented is null)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        Caller? found = null;
        foreach (var (expected, caller) in _tokens)
        {
            // No early exit: every configured token is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = caller;
            }
        }

        return found;
    }

    /// <summary>True when the feed is open or the caller presented the feed token (or any API token).</summary>
    public bool FeedAllowed(HttpContext http)
    {
        if (_feedHash is null)
        {
            return true;
        }

        var presented = Bearer(http);
        if (presented is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _feedHash)
            || Authenticate(http) is not null;
    }

    private static string? Bearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && header.Length > prefix.Length
            ? header[prefix.Length..].Trim()
            : null;
    }
}
