namespace ZtStream.Ingest.Sources.Identity;

/// <summary>The kinds of twin an event may have (<see cref="AddressTwins"/>), in the order a twin follows its event.</summary>
internal enum TwinKind
{
    /// <summary>Keyed by the client address of a failed sign-in (<see cref="AddressTwins.Of"/>).</summary>
    Address,

    /// <summary>Keyed by the tenant, source or provider of a failed sign-in (<see cref="AddressTwins.TenantOf"/>).</summary>
    Tenant,

    /// <summary>Keyed by the administrator of a change to another user's account (<see cref="AddressTwins.ActorOf"/>).</summary>
    Actor,

    /// <summary>Keyed by the browser's device token of an Okta session start (<see cref="AddressTwins.DeviceOf"/>).</summary>
    Device,
}
