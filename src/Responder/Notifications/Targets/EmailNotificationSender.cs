using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace ZtStream.Responder.Notifications.Targets;

/// <summary>
/// Email over SMTP with MailKit: STARTTLS or TLS as configured, authenticated when a username is given. A server that
/// refuses the message or a recipient with a permanent (5xx) reply ends it as failed; an unreachable server, a
/// transient (4xx) reply or a dropped connection is retried.
/// </summary>
internal sealed class EmailNotificationSender : INotificationSender
{
    public string Kind => NotificationTargetOptions.Email;

    public async Task<SendOutcome> SendAsync(NotificationContent content, NotificationTargetOptions target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(target);
        var smtp = target.Smtp;
        var message = Message(content, smtp);
        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(smtp.Host ?? "", smtp.Port, Security(smtp), cancellationToken);
            if (smtp.Username is not null)
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
            }

            var answer = await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return SendOutcome.Ok($"accepted by {smtp.Host}: {answer}".Trim());
        }
        catch (SmtpCommandException exception) when ((int)exception.StatusCode >= 500)
        {
            return SendOutcome.Refused($"{(int)exception.StatusCode} {exception.Message}");
        }
        catch (AuthenticationException exception)
        {
            return SendOutcome.Refused($"authentication failed: {exception.Message}");
        }
        catch (Exception exception) when (exception is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException
            or SocketException or IOException or SslHandshakeException)
        {
            return SendOutcome.Retry(exception.Message);
        }
    }

    internal static MimeMessage Message(NotificationContent content, SmtpOptions smtp)
    {
        var (subject, text) = MessageRenderings.Email(content);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From ?? ""));
        foreach (var to in smtp.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = subject;
        // Stable per notification, so a resend after a crash threads with (and is recognisable as) the first.
        message.MessageId = $"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content.Id)))[..32].ToLowerInvariant()}@ztstream";
        message.Headers.Add("X-ZtStream-Alert", content.Alert.Id);
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    /// <summary>How to secure the connection, as <see cref="SmtpOptions.Security"/> says.</summary>
    internal static SecureSocketOptions Security(SmtpOptions smtp) => smtp.Security.ToLowerInvariant() switch
    {
        "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
