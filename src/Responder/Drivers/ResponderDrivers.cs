namespace ZtStream.Responder.Drivers;

/// <summary>Registers the external drivers that section <c>Responder:Drivers</c> enables.</summary>
internal static class ResponderDrivers
{
    /// <summary>
    /// Binds and validates <c>Responder:Drivers</c> (every problem listed, at start), then registers each enabled
    /// driver as an <see cref="ITokenRevoker"/> or the one <see cref="IWorkloadIsolator"/>, with what it needs:
    /// the SSF outbox, its delivery service and migrations, the Docker ledger and its migrations. Drivers that
    /// keep state need the store (<c>AddStore</c>), registered by the host.
    /// </summary>
    internal static IServiceCollection AddResponderDrivers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ResponderDriversOptions.Section);
        services.AddValidatedOptions<ResponderDriversOptions, ResponderDriversOptionsValidator>(section);
        services.AddTelemetry<ResponderTelemetry>();

        // Registration reads the same binding the validator checks; a bad section fails at start, not here.
        var options = section.Get<ResponderDriversOptions>() ?? new ResponderDriversOptions();

        if (options.Uses(OAuthTokenRevoker.DriverName))
        {
            services.AddHttpClient(OAuthTokenRevoker.DriverName);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenRevoker, OAuthTokenRevoker>(sp => new OAuthTokenRevoker(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(OAuthTokenRevoker.DriverName),
                Value(sp).OAuth,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OAuthTokenRevoker>>())));
        }

        if (options.Uses(SharedSignalsTransmitter.DriverName))
        {
            AddSharedSignals(services);
        }

        switch (options.IsolationKind())
        {
            case KubernetesWorkloadIsolator.DriverName:
                services.TryAddSingleton(sp => Value(sp).Kubernetes);
                services.TryAddSingleton<IKubernetes>(sp =>
                {
                    var k8s = sp.GetRequiredService<KubernetesIsolationOptions>();
                    return new Kubernetes(KubernetesConfiguration(k8s.KubeconfigPath, k8s.Context, k8s.Host));
                });
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkloadIsolator, KubernetesWorkloadIsolator>(sp =>
                {
                    var k8s = sp.GetRequiredService<KubernetesIsolationOptions>();
                    // One connection per further cluster, each with its own kubeconfig, context or API server.
                    var clusters = k8s.Clusters.ToDictionary(
                        c => c.Name,
                        c => (IKubernetes)new Kubernetes(KubernetesConfiguration(c.KubeconfigPath, c.Context, c.Host)),
                        StringComparer.Ordinal);
                    return new KubernetesWorkloadIsolator(sp.GetRequiredService<IKubernetes>(), k8s, sp.GetRequiredService<ILogger<KubernetesWorkloadIsolator>>(), clusters);
                }));
                break;
            case NftablesWorkloadIsolator.DriverName:
                services.TryAddSingleton(sp => Value(sp).Nftables);
                services.TryAddSingleton<IProcessRunner, ProcessRunner>();
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkloadIsolator, NftablesWorkloadIsolator>());
                break;
            case DockerWorkloadIsolator.DriverName:
                services.TryAddSingleton(sp => Value(sp).Docker);
                services.AddMigrations<DockerMigrations>();
                services.TryAddSingleton<DockerIsolationLedger>();
                services.TryAddSingleton<IDockerNetworks>(sp =>
                {
                    var docker = Value(sp).Docker;
                    return new DockerEngineNetworks(new DockerClientBuilder().WithEndpoint(docker.Endpoint).WithTimeout(docker.RequestTimeout).Build());
                });
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkloadIsolator, DockerWorkloadIsolator>());
                break;
        }

        return services;
    }

    private static void AddSharedSignals(IServiceCollection services)
    {
        services.AddMigrations<SsfMigrations>();
        services.TryAddSingleton(sp => Value(sp).SharedSignals);
        services.TryAddSingleton<SsfSigningKeys>();
        services.TryAddSingleton<SsfOutbox>();
        services.TryAddSingleton<SsfStreamStore>();
        services.TryAddSingleton<SsfClients>();
        services.TryAddKeyedSingleton<Platform.WakeSignal>(SsfDeliveryService.WakeKey);
        // A redirect, or a host name resolving to loopback, link-local or metadata addresses, would send the SET (and the
        // receiver's Authorization header) somewhere PushEndpoints never allowed.
        services.AddHttpClient(SsfDeliveryService.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(SsfPushAddresses.Handler);
        services.TryAddSingleton<SharedSignalsTransmitter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenRevoker, SharedSignalsTransmitter>(sp => sp.GetRequiredService<SharedSignalsTransmitter>()));
        services.AddHostedSingleton<SsfDeliveryService>();
    }

    private static ResponderDriversOptions Value(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ResponderDriversOptions>>().Value;

    /// <summary>
    /// A connection's configuration: the kubeconfig (at <paramref name="kubeconfigPath"/>, else the default one) in
    /// <paramref name="context"/> when one is named; else the in-cluster service account, else the default kubeconfig.
    /// </summary>
    internal static KubernetesClientConfiguration KubernetesConfiguration(string? kubeconfigPath, string? context, Uri? host)
    {
        KubernetesClientConfiguration configuration;
        if (!string.IsNullOrEmpty(kubeconfigPath) || !string.IsNullOrEmpty(context))
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(
                string.IsNullOrEmpty(kubeconfigPath) ? null : kubeconfigPath,
                string.IsNullOrEmpty(context) ? null : context);
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            configuration = KubernetesClientConfiguration.InClusterConfig();
        }
        else if (host is not null)
        {
            configuration = new KubernetesClientConfiguration();
        }
        else
        {
            configuration = KubernetesClientConfiguration.BuildDefaultConfig();
        }

        if (host is not null)
        {
            configuration.Host = host.ToString().TrimEnd('/');
        }

        return configuration;
    }
}
