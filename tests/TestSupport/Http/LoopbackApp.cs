using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ZtStream.TestSupport.Http;

/// <summary>
/// The one way a test stands up a web app (a fake IdP, receiver, API server, Ingest or feed): Kestrel on
/// 127.0.0.1, on a port the OS picks unless one is asked for (so parallel tests never collide), with no logging
/// (test output stays the test's own). Either build it (<see cref="CreateBuilder"/> then
/// <see cref="StartAsync(WebApplication)"/>) or give its endpoints and services (<see cref="StartAsync(Action{WebApplication}, Action{IServiceCollection}?, int)"/>).
/// </summary>
public sealed class LoopbackApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackApp(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    public IServiceProvider Services => app.Services;

    public static WebApplicationBuilder CreateBuilder(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        return builder;
    }

    /// <summary>Starts <paramref name="app"/> and returns the address it listens on (http://127.0.0.1:port).</summary>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address);
    }

    /// <summary>Starts an app with <paramref name="map"/>'s endpoints on <paramref name="port"/> (0 = any free one); dispose it to stop it.</summary>
    public static async Task<LoopbackApp> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = CreateBuilder(port);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        map(app);
        var address = await StartAsync(app);
        return new LoopbackApp(app, new Uri(address, "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
