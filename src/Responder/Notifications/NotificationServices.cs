using ZtStream.Responder.Notifications.Targets;

namespace ZtStream.Responder.Notifications;

/// <summary>Registers the notification drivers: options, outbox, senders and the delivery service.</summary>
internal static class NotificationServices
{
    /// <summary>Binds and validates <c>Responder:Notifications</c> and registers the notifier, its outbox and its senders.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMigrationSource, NotificationMigrations>());
        services.TryAddKeyedSingleton<WakeSignal>(NotificationDeliveryService.WakeKey);
        services.TryAddSingleton<NotificationOutbox>();
        services.TryAddSingleton<Notifier>();
        services.AddHttpClient(HttpNotificationSender.HttpClientName);
        foreach (var kind in new[] { NotificationTargetOptions.Webhook, NotificationTargetOptions.Slack, NotificationTargetOptions.Teams, NotificationTargetOptions.PagerDuty })
        {
            services.AddSingleton<INotificationSender>(sp => new HttpNotificationSender(kind, sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<INotificationSender, EmailNotificationSender>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NotificationDeliveryService>());
        return services;
    }
}
