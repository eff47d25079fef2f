namespace ZtStream.Responder.Actions;

/// <summary>Retry with exponential backoff for every command consumer; the last attempt ends the action as failed.</summary>
internal sealed class ResponderConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly ResponderOptions _options;

    public ResponderConsumerDefinition(IOptions<ResponderOptions> options)
    {
        _options = options.Value;
        // One queue per command kind, named after the consumer (e.g. revoke-token).
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.UseMessageRetry(r => r.Exponential(
            _options.CommandRetries,
            _options.RetryMinBackoff,
            _options.RetryMaxBackoff,
            _options.RetryMinBackoff));
    }
}
