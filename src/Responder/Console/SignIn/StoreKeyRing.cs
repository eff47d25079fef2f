using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// ASP.NET Core Data Protection's key ring, kept in the store. The console's cookies (and the sign-in's state and
/// correlation cookies) are protected with these keys: in memory, as Data Protection falls back to in a read-only
/// container, every restart would end every session and fail every sign-in in flight, and two Responders could not read
/// each other's cookies. Keys are written once and never changed; Data Protection rotates by adding new ones.
/// </summary>
internal sealed class StoreKeyRing(IStore store, TimeProvider time) : IXmlRepository
{
    /// <summary>Data Protection for the Responder, its keys in the store; one application name, so every replica reads them.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("ztstream-responder");
        services.AddOptions<KeyManagementOptions>().Configure<IStore, TimeProvider>((o, s, t) => o.XmlRepository = new StoreKeyRing(s, t));
    }

    // Data Protection asks synchronously, once when the key ring loads and again when it rotates (days apart), never
    // per request: blocking there is the price of its interface.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = store.OpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return connection.Query<string>("SELECT xml FROM responder_data_protection_keys ORDER BY created_at, name")
            .Select(xml => XElement.Parse(xml))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = store.OpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        connection.Execute(
            "INSERT INTO responder_data_protection_keys (name, xml, created_at) VALUES (@Name, @Xml, @CreatedAt)",
            new { Name = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds() });
    }
}
