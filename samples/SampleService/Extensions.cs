using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ZtStream.Sdk;

namespace ZtStream.SampleService;

/// <summary>Composition of the sample: JWT bearer with a symmetric key, the ZtStream SDK, and a few API routes.</summary>
internal static class Extensions
{
    public static void AddSampleService(this WebApplicationBuilder builder)
    {
        var sample = builder.Configuration.GetSection(SampleOptions.SectionName).Get<SampleOptions>() ?? new SampleOptions();
        if (Encoding.UTF8.GetByteCount(sample.SigningKey) < 32)
        {
            throw new InvalidOperationException($"{SampleOptions.SectionName}:SigningKey must be at least 32 bytes for HMAC-SHA256.");
        }

        builder.Services.AddSingleton(sample);
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o => o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = sample.Issuer,
                ValidAudience = sample.Audience,
                IssuerSigningKey = sample.Key,
            });
        builder.Services.AddAuthorization();
        builder.Services.AddZtStream();
    }

    public static IApplicationBuilder UseZtStreamSample(this IApplicationBuilder app) => app.UseZtStream();

    public static void MapSampleEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapGet("/customers/{id}", (string id) => Results.Json(Customers.One(id)));
        api.MapGet("/customers/export", (int? rows) => Results.Json(Customers.Many(Math.Clamp(rows ?? 1000, 1, 100_000))));
        api.MapGet("/orders", () => Results.Json(Orders.Recent));
        app.MapGet("/healthz", () => Results.Ok("ok"));

        var sample = app.Services.GetRequiredService<SampleOptions>();
        if (sample.IssueTokens)
        {
            // Demo only: mints tokens signed with the sample's key so a demo needs no identity provider.
            app.MapPost("/dev/token", (string sub, string? sid, string? clientId, int? minutes) => Results.Text(sample.CreateToken(sub, sid, clientId, minutes ?? 60)));
        }
    }
}

/// <summary>Section <c>Sample</c>: token validation settings, and the demo token endpoint.</summary>
internal sealed record SampleOptions
{
    public const string SectionName = "Sample";

    public string Issuer { get; init; } = "https://idp.sample.local";

    public string Audience { get; init; } = "sample-service";

    public string SigningKey { get; init; } = "ztstream-sample-service-development-signing-key";

    /// <summary>Serves <c>POST /dev/token?sub=…</c>. Never enable outside a demo.</summary>
    public bool IssueTokens { get; init; }

    public SymmetricSecurityKey Key => new(Encoding.UTF8.GetBytes(SigningKey));

    public string CreateToken(string subject, string? sessionId, string? clientId, int minutes)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["client_id"] = clientId ?? "sample-portal",
            ["sid"] = sessionId ?? Guid.NewGuid().ToString("N"),
        };
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(minutes),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
    }
}

internal sealed record Customer(string Id, string Name, string Email, string Country);

internal static class Customers
{
    private static readonly string[] Names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"];
    private static readonly string[] Countries = ["GB", "US", "NL", "DE", "FR"];

    public static Customer One(string id)
    {
        var n = (int)((uint)string.GetHashCode(id, StringComparison.Ordinal) % (uint)Names.Length);
        return new Customer(id, Names[n], $"customer{id}@example.com", Countries[n]);
    }

    public static IEnumerable<Customer> Many(int rows)
    {
        for (var i = 1; i <= rows; i++)
        {
            yield return One(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

internal sealed record Order(int Id, string CustomerId, decimal Total);

internal static class Orders
{
    public static readonly Order[] Recent = [new(1001, "1", 42.50m), new(1002, "2", 17.00m), new(1003, "1", 99.90m)];
}
