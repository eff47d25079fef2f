namespace ZtStream.Host.Tests.Configuration;

public sealed class ConfigurationSchemaTests
{
    [Theory]
    [InlineData("EventLog:Kind")]
    [InlineData("eventlog:bootstrapservers")]
    [InlineData("EventLog:KafkaSettings:security.protocol")]
    [InlineData("Store:ConnectionString")]
    [InlineData("Bus:RabbitMqUri")]
    [InlineData("Roles")]
    [InlineData("Urls")]
    [InlineData("Responder:Sso:Authority")]
    [InlineData("Responder:Sso:CookieSecure")]
    [InlineData("Responder:Sso:RoleMap:soc-analyst")]
    [InlineData("ForwardedHeaders:KnownNetworks:0")]
    [InlineData("ForwardedHeaders:Header")]
    [InlineData("Ingest:PubSubPush:Sources:gke-prod:ServiceAccounts:0")]
    [InlineData("Ingest:PubSubPush:Sources:gke-prod:Audiences:0")]
    [InlineData("Ingest:PubSubPush:Sources:gke-prod:JwksUri")]
    [InlineData("Ingest:PubSubPush:JwksRefetchInterval")]
    public void IsKnown_KeysTheBinaryReads(string key) => Assert.True(ConfigurationSchema.IsKnown(key));

    [Theory]
    [InlineData("EventLog:Knid")]
    [InlineData("Stroe:Kind")]
    [InlineData("Bus:RabbitUri")]
    [InlineData("Ingest:PubSubPush:JwksRefreshInterval")]
    public void IsKnown_Typos_AreUnknown(string key) => Assert.False(ConfigurationSchema.IsKnown(key));

    [Fact]
    public void Keys_ListEverySwitchTarget()
    {
        var keys = ConfigurationSchema.Keys().ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var target in HostSwitches.Keys.Values)
        {
            Assert.Contains(target, keys);
        }
    }
}
