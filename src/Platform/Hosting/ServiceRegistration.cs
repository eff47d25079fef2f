namespace ZtStream.Platform.Hosting;

/// <summary>The registrations every role and seam makes the same way, so each <c>AddX</c> reads as what it adds.</summary>
internal static class ServiceRegistration
{
    /// <summary>
    /// Options bound to <paramref name="section"/> and checked by <typeparamref name="TValidator"/> when the host starts,
    /// so a bad configuration stops the process with every problem listed. Added again (two roles sharing a section),
    /// it changes nothing: a second binding would append every list in the section to itself.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfigurationSection section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = services.AddOptions<TOptions>();
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return options;
        }

        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return options.Bind(section).ValidateOnStart();
    }

    /// <summary>A background service that others also resolve: one instance serves both.</summary>
    public static IServiceCollection AddHostedSingleton<TService>(this IServiceCollection services)
        where TService : class, IHostedService
    {
        services.TryAddSingleton<TService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TService>(sp => sp.GetRequiredService<TService>()));
        return services;
    }

    /// <summary>
    /// A component's store migrations (<typeparamref name="TSource"/>), which the store's migrator applies before any
    /// hosted service starts (<c>AddStore</c>). Added again, it changes nothing: one source, applied once.
    /// </summary>
    public static IServiceCollection AddMigrations<TSource>(this IServiceCollection services)
        where TSource : class, IMigrationSource
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMigrationSource, TSource>());
        return services;
    }

    /// <summary>A component's meter and instruments (<typeparamref name="TTelemetry"/>), on the host's <c>IMeterFactory</c>.</summary>
    public static IServiceCollection AddTelemetry<TTelemetry>(this IServiceCollection services)
        where TTelemetry : class
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TTelemetry>();
        return services;
    }
}
