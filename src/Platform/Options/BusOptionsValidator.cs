namespace ZtStream.Platform.Options;

/// <summary>Checks section <c>Bus</c>, listing every problem at once.</summary>
internal sealed class BusOptionsValidator : OptionsValidator<BusOptions, BusOptionsValidator>, IOptionsRules<BusOptions>
{
    private static readonly string[] RabbitMqSchemes = ["amqp", "amqps", "rabbitmq", "rabbitmqs"];

    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(BusOptions options, List<string> problems)
    {
        problems.Positive("Bus:StartTimeout", options.StartTimeout);
        switch (options.Kind?.Trim().ToLowerInvariant())
        {
            case BusOptions.InMemory:
                break;
            case BusOptions.RabbitMq:
                if (string.IsNullOrWhiteSpace(options.RabbitMqUri))
                {
                    problems.Add("Bus:RabbitMqUri is required when Bus:Kind is rabbitmq");
                }
                else if (!Uri.TryCreate(options.RabbitMqUri, UriKind.Absolute, out var uri) || !RabbitMqSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"Bus:RabbitMqUri '{RabbitMqEndpoint.Redact(options.RabbitMqUri)}' is not an amqp:// or amqps:// URI");
                }
                else if (string.IsNullOrEmpty(uri.Host))
                {
                    problems.Add("Bus:RabbitMqUri names no host");
                }

                break;
            default:
                problems.Add($"Bus:Kind '{options.Kind}' is not one of {BusOptions.InMemory}, {BusOptions.RabbitMq}");
                break;
        }
    }
}
