namespace ZtStream.Responder.Notifications;

/// <summary>Registers the notification drivers: options, outbox, senders and the delivery service.</summary>
internal static class NotificationServices
{
    /// <summary>Binds and validates <c>Responder:Notifications</c> and registers the notifier, its outbox and its senders.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<NotificationOptions, NotificationOptionsValidator>(configuration.GetSection(NotificationOptions.Section));
        services.AddMigrations<NotificationMigrations>();
        services.TryAddKeyedSingleton<WakeSignal>(NotificationDeliveryService.WakeKey);
        services.TryAddSingleton<NotificationOutbox>();
        services.TryAddSingleton<Notifier>();
        // A redirect is the receiver's answer, not followed: a 302 would turn the POST into a GET and record its 200 as
        // delivered, and a redirect elsewhere would carry the alert (and PagerDuty's routing key) there.
        services.AddHttpClient(HttpNotificationSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        // One sender per HTTP kind, all of one type: TryAddEnumerable tells registrations apart by type and would keep
        // one, so these four are the one place registered without TryAdd (AddNotifications runs once per host).
        foreach (var kind in new[] { NotificationTargetOptions.Webhook, NotificationTargetOptions.Slack, NotificationTargetOptions.Teams, NotificationTargetOptions.PagerDuty })
        {
            services.AddSingleton<INotificationSender>(sp => new HttpNotificationSender(kind, sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationSender, EmailNotificationSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NotificationDeliveryService>());
        return services;
    }
}
