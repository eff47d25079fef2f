using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ZtStream.Sdk;

/// <summary>Registers the ZtStream SDK.</summary>
public static class ZtStreamServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ZtStreamClient"/> (a singleton), the revocation feed follower and the options: bound from the
    /// configuration section <c>ZtStream</c> when an <see cref="IConfiguration"/> is registered, then
    /// <paramref name="configure"/>, then workload fields from the environment; validated at start. Pair with
    /// <see cref="ZtStreamApplicationBuilderExtensions.UseZtStream"/>.
    /// </summary>
    public static IServiceCollection AddZtStream(this IServiceCollection services, Action<ZtStreamOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ZtStreamOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ZtStreamOptions>, BindFromConfiguration>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure(o => WorkloadIdentity.ApplyEnvironment(o.Workload ??= new(), Environment.GetEnvironmentVariable));
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ZtStreamOptions>, ZtStreamOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SdkMetrics>();
        services.TryAddSingleton(sp => new RevocationList(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ZtStreamOptions>>()));
        services.TryAddSingleton(sp => new ZtStreamClient(
            sp.GetRequiredService<IOptions<ZtStreamOptions>>().Value,
            handler: null,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<SdkMetrics>()));
        // Redirects are not followed: one from a loopback feed would take the list from a host the https rule refuses.
        services.AddHttpClient(RevocationFeedWorker.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RevocationFeedWorker>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClientShutdown>());
        return services;
    }

    private sealed class BindFromConfiguration(IServiceProvider services) : IConfigureOptions<ZtStreamOptions>
    {
        public void Configure(ZtStreamOptions options)
        {
            if (services.GetService<IConfiguration>()?.GetSection(ZtStreamOptions.SectionName) is not { } section)
            {
                return;
            }

            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException)
            {
                // The binder stops at the first value it cannot convert. Bound one key at a time, every such value is
                // found, and the validator reports them at start together with every other problem.
                BindEachKey(section, options);
            }
        }

        private static void BindEachKey(IConfigurationSection section, ZtStreamOptions options)
        {
            foreach (var (key, value) in section.AsEnumerable())
            {
                if (value is null)
                {
                    continue;
                }

                var one = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
                try
                {
                    one.GetSection(section.Path).Bind(options);
                }
                catch (InvalidOperationException ex)
                {
                    options.BindingProblems = [.. options.BindingProblems, $"{key} cannot be read: {ex.Message}"];
                }
            }
        }
    }

    /// <summary>
    /// Sends what is queued (bounded by the shutdown timeout) once every hosted service has stopped — so after the
    /// web server drained its in-flight requests and their events are queued — and while logging still works.
    /// </summary>
    private sealed class ClientShutdown(ZtStreamClient client) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppedAsync(CancellationToken cancellationToken) => await client.DisposeAsync();
    }
}
