namespace ZtStream.Platform.Bus;

/// <summary>The parts of an amqp URI MassTransit's RabbitMQ host needs (user and password from the user info).</summary>
internal sealed record RabbitMqEndpoint(string Host, ushort Port, string VirtualHost, string Username, string Password, bool UseTls)
{
    /// <summary>
    /// amqp://user:pass@host:port/vhost, as RabbitMQ's own URI spec reads it: the vhost is the path after the
    /// first slash, percent-decoded (<c>/%2F</c> is the vhost "/"), and an empty path means the default vhost "/".
    /// </summary>
    public static RabbitMqEndpoint Parse(string text)
    {
        var uri = new Uri(text, UriKind.Absolute);
        var tls = uri.Scheme is "amqps" or "rabbitmqs";
        var path = uri.AbsolutePath.TrimStart('/');
        var virtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        var userInfo = uri.UserInfo.Split(':', 2);
        var username = userInfo[0].Length == 0 ? "guest" : Uri.UnescapeDataString(userInfo[0]);
        var password = userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        var port = uri.IsDefaultPort || uri.Port < 0 ? (ushort)(tls ? 5671 : 5672) : (ushort)uri.Port;
        return new RabbitMqEndpoint(uri.Host, port, virtualHost, username, password, tls);
    }

    /// <summary>The URI without its password, for logs and error messages.</summary>
    public static string Redact(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal)
            ? new UriBuilder(uri) { Password = "***" }.Uri.ToString()
            : text;

    public override string ToString() => $"{(UseTls ? "amqps" : "amqp")}://{Username}@{Host}:{Port}/{Uri.EscapeDataString(VirtualHost)}";
}
