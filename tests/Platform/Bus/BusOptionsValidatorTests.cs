namespace ZtStream.Platform.Tests.Bus;

public sealed class BusOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(BusOptionsValidator.Validate(new BusOptions()));

    [Fact]
    public void Validate_UnknownKind_NamesTheKindAndTheChoices() =>
        Assert.Equal(["Bus:Kind 'kafka' is not one of inmemory, rabbitmq"], BusOptionsValidator.Validate(new BusOptions { Kind = "kafka" }));

    [Fact]
    public void Validate_RabbitMqWithoutUri_IsAnError() =>
        Assert.Equal(["Bus:RabbitMqUri is required when Bus:Kind is rabbitmq"], BusOptionsValidator.Validate(new BusOptions { Kind = "rabbitmq" }));

    [Fact]
    public void Validate_RabbitMqWithHttpUri_IsAnErrorWithoutThePassword()
    {
        var problem = Assert.Single(BusOptionsValidator.Validate(new BusOptions { Kind = "rabbitmq", RabbitMqUri = "http://zt:s3cret@broker:15672/" }));
        Assert.Contains("is not an amqp:// or amqps:// URI", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    public void Validate_StartTimeoutNotPositive_IsAnError(string timeout) =>
        Assert.Equal([$"Bus:StartTimeout must be positive (is {TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture)})"],
            BusOptionsValidator.Validate(new BusOptions { StartTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) }));

    [Theory]
    [InlineData("amqp://broker/")]
    [InlineData("amqps://zt:pw@broker:5671/prod")]
    [InlineData("rabbitmq://localhost")]
    public void Validate_RabbitMqUris_AreAccepted(string uri) =>
        Assert.Empty(BusOptionsValidator.Validate(new BusOptions { Kind = "RabbitMQ", RabbitMqUri = uri }));

    [Theory]
    [InlineData("amqp://broker", "broker", 5672, "/", "guest", "guest", false)]
    [InlineData("amqp://zt:p%40ss@broker:5673/", "broker", 5673, "/", "zt", "p@ss", false)]
    [InlineData("amqps://zt:pw@broker/prod", "broker", 5671, "prod", "zt", "pw", true)]
    [InlineData("amqp://broker/%2F", "broker", 5672, "/", "guest", "guest", false)]
    [InlineData("amqp://broker/zt-test-3", "broker", 5672, "zt-test-3", "guest", "guest", false)]
    public void RabbitMqEndpoint_Parse_ReadsHostPortVhostAndCredentials(string uri, string host, int port, string vhost, string user, string password, bool tls) =>
        Assert.Equal(new RabbitMqEndpoint(host, (ushort)port, vhost, user, password, tls), RabbitMqEndpoint.Parse(uri));
}
