using System.Net;
using System.Net.Sockets;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Serving;

public class ServeCommandTests
{
    [Fact]
    public void A_port_in_use_is_refused_with_exit_2_naming_the_port()
    {
        using var dir = new TempDir();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var (code, stdout, stderr) = CliHarness.Run("serve", dir.Path, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(2, code);
            Assert.Empty(stdout);
            Assert.Contains($"port {port}", stderr, StringComparison.Ordinal);
            Assert.Contains("already in use", stderr, StringComparison.Ordinal);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void A_missing_folder_is_refused_with_exit_2_naming_it()
    {
        using var dir = new TempDir();
        var missing = dir.File("no-such-bundle");
        var (code, stdout, stderr) = CliHarness.Run("serve", missing, "--port", "0");
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("65536")]
    public void A_port_out_of_range_is_refused_with_exit_2(string port)
    {
        using var dir = new TempDir();
        var (code, _, stderr) = CliHarness.Run("serve", dir.Path, "--port", port);
        Assert.Equal(2, code);
        Assert.Contains($"port {port}", stderr, StringComparison.Ordinal);
    }
}
