using System.Net.Sockets;
using System.Text;

namespace EdgeOpt.Tests.Serving;

/// <summary>
/// Sends a request target byte for byte over a socket. HttpClient (System.Uri) folds <c>..</c> segments and some escapes
/// before sending, which would hide exactly the requests a path-traversal test must make.
/// </summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Head, string Body)> SendAsync(Uri server, string target, string method = "GET")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        using var stream = client.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var status = int.Parse(head.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, head, body);
    }
}
