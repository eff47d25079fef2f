namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// Records of the categories an Entra ID diagnostic setting exports that have no mapping of their own (ProvisioningLogs,
/// the retired AzureADGraphActivityLogs, a category Microsoft adds later): kept as <c>idp.event</c> by whom they name,
/// not refused, while another Azure service's record posted to the Entra endpoint still is.
/// ORIGIN: TestData/entra/other-categories.json (ORIGIN-identity.md).
/// </summary>
public sealed class OtherCategoriesTests
{
    private const string Directory = "6d2a0000-0000-4000-8000-00000000e001";

    private static MapResult Map(byte[] json, bool byUserId = false) =>
        EntraMapper.Map(json, SourceMapOptions.Default with { SubjectIsUserId = byUserId, EntraSubjectIsUserId = byUserId });

    private static MapResult MapFixture(bool byUserId = false) => Map(TestData.Idp("entra", "other-categories.json"), byUserId);

    [Fact]
    public void Map_DirectoryRecordsOfOtherCategories_AreKeptAsIdpEvents_OthersRefusedByIndexAndField()
    {
        var result = MapFixture();

        MapperAssert.Rejects(result, mapped: [0, 1, 2, 3, 4, 5], (6, "category"), (7, "properties.time"), (8, "properties.activityDateTime"));
        Assert.Contains("\"kube-apiserver\"", result.Errors.Single(x => x.Index == 6).Reason, StringComparison.Ordinal);
        Assert.All(result.Events, e => Assert.Equal(EventKinds.IdpEvent, e.Kind));
        Assert.All(result.Events, e => Assert.Equal(Directory, e.Subject?.Tenant));
        Assert.All(result.Events, e => Assert.NotNull(e.Raw));
    }

    [Fact]
    public void Map_ProvisioningRecord_IsTheProvisioningServicesEvent_WithItsOutcome()
    {
        var events = MapFixture().Events.ToDictionary(e => e.Id);

        var skipped = events["6d2a0000-0000-4000-8000-00000000e0a1"];
        Assert.Equal("Azure AD Provisioning Service", skipped.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.System, skipped.Subject?.Type);
        Assert.Equal("ProvisioningLogs/Provisioning activity", skipped.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T13:36:50.3538931Z", CultureInfo.InvariantCulture), skipped.Time);
        Assert.Equal("198.51.100.140", skipped.Network?.SrcIp);
        Assert.Null(skipped.Outcome);

        Assert.Equal(Outcomes.Error, events["6d2a0000-0000-4000-8000-00000000e0a2"].Outcome);

        // The Log Analytics row: its directory is AADTenantId, never the workspace in TenantId; InitiatedBy is JSON text.
        var row = events["6d2a0000-0000-4000-8000-00000000e0a4"];
        Assert.Equal("Azure AD Provisioning Service", row.Subject?.Id);
        Assert.Equal(Outcomes.Success, row.Outcome);
    }

    [Fact]
    public void Map_NewCategoryNamingAUser_IsThatUsersPrincipal_AsTheirSignInsNameIt()
    {
        var e = MapFixture().Events.Single(x => x.Id == "6d2a0000-0000-4000-8000-00000000e0a3");

        // Fullwidth and mixed case folded, as a sign-in's userPrincipalName is; the address in its shortest form.
        Assert.Equal("zoë.ærø@fabrikam.example", e.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.User, e.Subject?.Type);
        Assert.Equal("2001:db8::e1", e.Network?.SrcIp);
        Assert.Equal(Outcomes.Success, e.Outcome);
        Assert.Equal("SomeFutureLogs/Some activity Microsoft added", e.Attr(IdentityAttributes.IdpEventType));

        var byId = MapFixture(byUserId: true).Events.Single(x => x.Id == e.Id);
        Assert.Equal("6d2a0000-0000-4000-8000-00000000e222", byId.Subject?.Id);
        Assert.Equal("zoë.ærø@fabrikam.example", byId.Attr(IdentityAttributes.IdpLogin));
    }

    [Fact]
    public void Map_AzureAdGraphRecordOfAnApplication_IsItsServicePrincipal()
    {
        var e = MapFixture().Events.Single(x => x.Id == "6d2a0000-0000-4000-8000-00000000e0a5");

        Assert.Equal("6d2a0000-0000-4000-8000-00000000e333", e.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e.Subject?.Type);
        Assert.Equal("6d2a0000-0000-4000-8000-00000000e444", e.Token?.ClientId);
        Assert.Equal("203.0.113.150", e.Network?.SrcIp);
    }

    [Fact]
    public void Map_RecordNamingNobodyAndNoAddress_IsTheDirectorysOwn_WithAnIdThatSurvivesRedelivery()
    {
        var ids = MapperAssert.SameIdsWhenDeliveredAgain(() => MapFixture());
        var e = MapFixture().Events.Single(x => x.Attr(IdentityAttributes.IdpEventType) == "RemoteNetworkHealthLogs");

        Assert.Equal("Core Directory", e.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.System, e.Subject?.Type);
        Assert.StartsWith("entra-", e.Id, StringComparison.Ordinal);
        Assert.Contains(e.Id, ids);

        // Two records without ids are two events.
        var other = """{"time":"2026-11-30T14:09:01Z","resourceId":"/tenants/6d2a0000-0000-4000-8000-00000000e001/providers/Microsoft.aadiam","category":"RemoteNetworkHealthLogs","properties":{"status":"degraded"}}""";
        Assert.NotEqual(e.Id, MapperAssert.MapsTo(Map(Encoding.UTF8.GetBytes(other)), EventKinds.IdpEvent, null).Id);
    }

    [Theory]
    [InlineData("""{"time":"2026-11-30T14:00:00Z","category":"ProvisioningLogs","properties":{"id":"p-1","activityDateTime":"2026-11-30T14:00:00Z"}}""")]
    [InlineData("""{"TimeGenerated":"2026-11-30T14:00:00Z","Type":"AppServiceHTTPLogs","_ResourceId":"/subscriptions/0/resourcegroups/rg/providers/microsoft.web/sites/shop","CIp":"203.0.113.5"}""")]
    public void Map_RecordThatIsNotTheDirectorys_StaysRefusedByItsCategory(string record)
    {
        var error = MapperAssert.RejectsWhole(Map(Encoding.UTF8.GetBytes(record)), "category");

        Assert.Contains("Microsoft.aadiam", error.Reason, StringComparison.Ordinal);
    }
}
