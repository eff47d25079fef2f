namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>A domain's authentication set to federated trusts another identity provider; set back to managed, it stops.</summary>
public sealed class EntraDomainTrustTests
{
    [Fact]
    public void Map_SetDomainAuthentication_ManagedAgain_IsADeactivation_FederatedOrUnsaidIsAChange()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"time":"2025-03-15T08:20:00Z","category":"AuditLogs","operationName":"Set domain authentication","properties":{"id":"Directory_ee1a5000-0201","activityDateTime":"2025-03-15T08:20:00Z",
              "activityDisplayName":"Set domain authentication","category":"DirectoryManagement","result":"success","initiatedBy":{"user":{"userPrincipalName":"admin.ops@contoso.example"}},
              "targetResources":[{"id":"ee1a5000-0000-4000-8000-0000000000f6","displayName":"contoso.example","type":"Directory","modifiedProperties":[{"displayName":"LiveType","oldValue":"\"Federated\"","newValue":"\"Managed\""}]}]}},
             {"TimeGenerated":"2025-03-15T08:21:00Z","Type":"AuditLogs","Id":"Directory_ee1a5000-0202","OperationName":"Set domain authentication","ActivityDisplayName":"Set domain authentication",
              "ActivityDateTime":"2025-03-15T08:21:00Z","LoggedByService":"Core Directory","Category":"DirectoryManagement","Result":"success",
              "InitiatedBy":"{\"user\":{\"userPrincipalName\":\"admin.ops@contoso.example\"}}",
              "TargetResources":"[{\"displayName\":\"contoso.example\",\"type\":\"Directory\",\"modifiedProperties\":[{\"displayName\":\"LiveType\",\"oldValue\":\"\\\"Federated\\\"\",\"newValue\":\"\\\"Managed\\\"\"}]}]"},
             {"id":"Directory_ee1a5000-0203","activityDateTime":"2025-03-15T08:22:00Z","activityDisplayName":"Set domain authentication","category":"DirectoryManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"admin.ops@contoso.example"},"app":null},
              "targetResources":[{"displayName":"contoso.example","type":"Directory","modifiedProperties":[{"displayName":"LiveType","oldValue":["Managed"],"newValue":["Federated"]}]}]},
             {"id":"Directory_ee1a5000-0204","activityDateTime":"2025-03-15T08:23:00Z","activityDisplayName":"Set domain authentication","category":"DirectoryManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"admin.ops@contoso.example"}},"targetResources":[{"displayName":"contoso.example","type":"Directory","modifiedProperties":null}]}]
            """u8), 4);

        Assert.Equal(["idp_deactivate", "idp_deactivate", "idp_change", "idp_change"], e.Select(x => x.Attr(IdentityAttributes.Change)));
        Assert.All(e, x => Assert.Equal(EventKinds.AuthAdminChange, x.Kind));
    }
}
