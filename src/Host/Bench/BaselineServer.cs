using System.Buffers;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ZtStream.Host.Bench;

/// <summary>
/// The baseline of a bench run: a minimal endpoint in the same process, on the same Kestrel settings as the pipeline,
/// that only reads each request body and parses its JSON, then discards it — what any JSON-over-HTTP service pays
/// before doing anything. The pipeline's throughput over this one's, measured in the same run, survives a noisy machine.
/// </summary>
internal static class BaselineServer
{
    public const string Path = "/baseline/events";

    public static async Task<WebApplication> StartAsync(string url, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ConfigureEndpointDefaults(l => l.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2);
            if (certificate is not null)
            {
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            }
        });
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapPost(Path, ParseAndDiscardAsync);
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static async Task ParseAndDiscardAsync(HttpContext context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)(context.Request.ContentLength ?? 64 * 1024) + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
            }

            int items;
            using (var document = JsonDocument.Parse(buffer.AsMemory(0, length)))
            {
                items = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : 1;
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"accepted\":{items}}}", context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
