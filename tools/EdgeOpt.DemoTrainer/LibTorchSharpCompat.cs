using System.Buffers.Binary;
using System.Text;

namespace EdgeOpt.DemoTrainer;

/// <summary>
/// Makes TorchSharp 0.107's libLibTorchSharp.so load on Debian 12 (bookworm, libstdc++ from GCC 12).
/// </summary>
/// <remarks>
/// That library was built with GCC 13, whose &lt;iostream&gt; emits a bare <c>.globl std::ios_base_library_init()</c>
/// (no relocation, nothing calls it) with symbol version GLIBCXX_3.4.32, which GCC 12's libstdc++ does not define,
/// so dlopen fails with "version `GLIBCXX_3.4.32' not found". Marking that version requirement weak
/// (VER_FLG_WEAK in .gnu.version_r) makes the loader accept it; iostreams are still initialised by libtorch's own
/// static initialisers. The patch is applied to the copy in this program's output folder (never the NuGet cache),
/// is idempotent, and is refused unless <c>ios_base_library_init</c> is the only symbol that needs that version.
/// </remarks>
internal static class LibTorchSharpCompat
{
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlagWeak = 0x2;
    private const string Version = "GLIBCXX_3.4.32";
    private const string OnlySymbol = "_ZSt21ios_base_library_initv";
    private static readonly byte[] ElfMagic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var path in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
                     Path.Combine(AppContext.BaseDirectory, "cpu", "libLibTorchSharp.so"),
                 })
        {
            if (File.Exists(path))
            {
                Patch(path);
            }
        }
    }

    private static void Patch(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || !elf.AsSpan(0, 4).SequenceEqual(ElfMagic) || elf[4] != 2 || elf[5] != 1)
        {
            return; // Not a little-endian ELF64: nothing we know how to patch.
        }

        var shoff = (long)U64(elf, 0x28);
        var shentsize = U16(elf, 0x3A);
        var shnum = U16(elf, 0x3C);
        (long Offset, long Size, uint Link)? verneed = null, versym = null, dynsym = null;
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + (i * shentsize);
            var section = ((long)U64(elf, sh + 24), (long)U64(elf, sh + 32), U32(elf, sh + 40));
            switch (U32(elf, sh + 4))
            {
                case ShtGnuVerneed: verneed = section; break;
                case ShtGnuVersym: versym = section; break;
                case ShtDynsym: dynsym = section; break;
            }
        }

        if (verneed is not { } vn || versym is not { } vs || dynsym is not { } ds)
        {
            return;
        }

        var dynstr = (long)U64(elf, shoff + (vn.Link * shentsize) + 24);
        var symstr = (long)U64(elf, shoff + (ds.Link * shentsize) + 24);
        var changed = false;
        for (long entry = vn.Offset; ; )
        {
            var count = U16(elf, entry + 2);
            var aux = entry + U32(elf, entry + 8);
            for (var a = 0; a < count; a++)
            {
                var flags = U16(elf, aux + 4);
                var index = U16(elf, aux + 6);
                if (CString(elf, dynstr + U32(elf, aux + 8)) == Version && (flags & VerFlagWeak) == 0)
                {
                    for (long s = 0; s < ds.Size / 24; s++)
                    {
                        if ((U16(elf, vs.Offset + (s * 2)) & 0x7fff) == index && CString(elf, symstr + U32(elf, ds.Offset + (s * 24))) != OnlySymbol)
                        {
                            throw new InvalidOperationException(
                                $"{path}: symbol {CString(elf, symstr + U32(elf, ds.Offset + (s * 24)))} needs {Version}; " +
                                "this libstdc++ is too old for this TorchSharp build (install a newer libstdc++6).");
                        }
                    }

                    BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)(aux + 4)), (ushort)(flags | VerFlagWeak));
                    changed = true;
                }

                aux += U32(elf, aux + 12);
            }

            var next = U32(elf, entry + 12);
            if (next == 0)
            {
                break;
            }

            entry += next;
        }

        if (changed)
        {
            var temp = path + ".tmp";
            File.WriteAllBytes(temp, elf);
            File.Move(temp, path, overwrite: true);
            Console.Error.WriteLine($"compat: marked {Version} weak in {path} (see LibTorchSharpCompat.cs)");
        }
    }

    private static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at));

    private static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at));

    private static ulong U64(byte[] b, long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at));

    private static string CString(byte[] b, long at) => Encoding.ASCII.GetString(b, (int)at, Array.IndexOf(b, (byte)0, (int)at) - (int)at);
}
