using System.Text;
using BenchmarkDotNet.Attributes;
using ZtStream.Ingest.Sources;
using ZtStream.Ingest.Sources.Auth0;
using ZtStream.Ingest.Sources.Entra;
using ZtStream.Ingest.Sources.Keycloak;
using ZtStream.Ingest.Sources.Okta;

namespace ZtStream.Benchmarks.Ingest;

/// <summary>
/// The identity adapters, bytes in and canonical events out: one delivery of 1,000 sign-in records per vendor, in the
/// shape the vendor posts it (an Okta event hook, an Entra <c>records</c> export, a Keycloak array, an Auth0 log-stream
/// array). One operation = one delivery; per record = mean / 1,000.
/// </summary>
[MemoryDiagnoser]
public class IdentityMapperBenchmarks
{
    private const int Records = 1_000;

    private const string Okta = """
        {"uuid":"U","published":"2024-05-02T10:12:07.777Z","eventType":"user.session.start","version":"0","displayMessage":"User login to Okta","severity":"INFO",
         "client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36","os":"Mac OS X","browser":"CHROME"},"zone":"OFF_NETWORK","device":"Computer","ipAddress":"198.51.100.23",
           "geographicalContext":{"city":"Lisbon","state":"Lisbon","country":"Portugal","postalCode":"1000-001","geolocation":{"lat":38.7223,"lon":-9.1393}}},
         "actor":{"id":"00u1qw1mqitPHM8AJ0g7","type":"User","alternateId":"jane.doe@acme.example","displayName":"Jane Doe"},
         "outcome":{"result":"SUCCESS"},"transaction":{"type":"WEB","id":"V04Oy4ubUOc5UuG6s9DyNQAABtc"},
         "debugContext":{"debugData":{"requestUri":"/idp/idx/identify","threatSuspected":"false","risk":"{level=LOW}"}},
         "authenticationContext":{"authenticationProvider":"OKTA_AUTHENTICATION_PROVIDER","credentialType":"PASSWORD","authenticationStep":0,"externalSessionId":"102bZDNFfWaQSyEZQuDgWt-uQ"},
         "securityContext":{"asNumber":64496,"asOrg":"example telecom","isp":"example telecom","domain":"example.net","isProxy":false}}
        """;

    private const string Entra = """
        {"time":"2024-05-02T16:02:15.5522137Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0","callerIpAddress":"198.51.100.40","correlationId":"a75a10bd-c126-486b-9742-c03110d36262","location":"US",
         "properties":{"id":"U","createdDateTime":"2024-05-02T16:02:15.5522137+00:00","userPrincipalName":"tperkins@contoso.example","userId":"5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d","appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appDisplayName":"Azure Portal","ipAddress":"198.51.100.40",
           "status":{"errorCode":0},"clientAppUsed":"Browser","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","deviceDetail":{"deviceId":"3e5ad2d6-8a6f-4c8b-9c7e-1a2b3c4d5e6f","operatingSystem":"Windows 10","browser":"Chrome 124.0.0","isCompliant":true,"isManaged":true},
           "location":{"city":"Bellevue","state":"Washington","countryOrRegion":"US"},"conditionalAccessStatus":"success","isInteractive":true,"riskLevelDuringSignIn":"none","riskLevelAggregated":"none","riskEventTypes_v2":[],
           "mfaDetail":{"authMethod":"Mobile app notification"},"sessionId":"d3f0b4c2-6e1a-4b8e-9a5f-1c2d3e4f5a6b"}}
        """;

    private const string Keycloak = """
        {"id":"U","time":1714644000000,"type":"LOGIN","realmId":"acme","clientId":"billing-web","userId":"3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b","sessionId":"6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1","ipAddress":"198.51.100.12",
         "details":{"auth_method":"openid-connect","auth_type":"code","redirect_uri":"https://billing.acme.example/signin-oidc","consent":"no_consent_required","code_id":"6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1","username":"alice"}}
        """;

    private const string Auth0 = """
        {"log_id":"U","data":{"log_id":"U","date":"2024-05-02T10:15:00.412Z","type":"s","description":"Successful login","connection":"Username-Password-Authentication","client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww","client_name":"My App","ip":"198.51.100.61","user_agent":"Chrome 124.0.0 / Mac OS X 10.15.7",
         "details":{"prompts":[{"name":"login","session_id":"uhE1mG5T7oTQ0n7LuW1XYvb8","performed_amr":["pwd"]}],"session_id":"uhE1mG5T7oTQ0n7LuW1XYvb8"},"user_id":"auth0|66339f8c5a1b2c3d4e5f6a7b","user_name":"ana@acme.example","strategy":"auth0","strategy_type":"database","tenant_name":"acme",
         "location_info":{"country_code":"ES","city_name":"Madrid"}}}
        """;

    private byte[] okta = [];
    private byte[] entra = [];
    private byte[] keycloak = [];
    private byte[] auth0 = [];

    [GlobalSetup]
    public void Setup()
    {
        okta = Payload("""{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[""", Okta, "]}}");
        entra = Payload("""{"records":[""", Entra, "]}");
        keycloak = Payload("[", Keycloak, "]");
        auth0 = Payload("[", Auth0, "]");
    }

    [Benchmark]
    public int OktaEventHook() => Check(OktaMapper.Map(okta));

    [Benchmark]
    public int EntraRecords() => Check(EntraMapper.Map(entra));

    [Benchmark]
    public int KeycloakEvents() => Check(KeycloakMapper.Map(keycloak));

    [Benchmark]
    public int Auth0LogStream() => Check(Auth0Mapper.Map(auth0));

    private static byte[] Payload(string head, string record, string tail)
    {
        var text = new StringBuilder(head);
        for (var i = 0; i < Records; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(record.Replace("\"U\"", $"\"r-{i}\"", StringComparison.Ordinal).ReplaceLineEndings(" "));
        }

        return Encoding.UTF8.GetBytes(text.Append(tail).ToString());
    }

    private static int Check(MapResult result) =>
        result.Errors.Count == 0 && result.Items.Count == Records ? result.Items.Count : throw new InvalidOperationException($"{result.Errors.Count} errors: {result.Errors.FirstOrDefault()}");
}
