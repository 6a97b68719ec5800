using System.Net.Sockets;
using System.Text;

namespace EdgeOpt.Tests.Serving;

/// <summary>
/// Sends a request target byte for byte over a socket. HttpClient (System.Uri) folds <c>..</c> segments and some escapes
/// before sending, which would hide exactly the requests a path-traversal test must make.
/// </summary>
internal static class RawHttp
{
    public static Task<(int Status, string Head, string Body)> SendAsync(Uri server, string target, string method = "GET", string headers = "") =>
        SendRawAsync(server, $"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\n{headers}Connection: close\r\n\r\n");

    /// <summary>Sends <paramref name="request"/> exactly as given (request line, headers and all) and reads until the server closes.</summary>
    public static async Task<(int Status, string Head, string Body)> SendRawAsync(Uri server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        var status = int.Parse(head.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, head, body);
    }
}
