using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Snapconv.Core.Hashing;

/// <summary>
/// OpenSSL's low-level <c>SHA256_Init/Update/Final</c> from the libcrypto .NET itself uses on Linux, with
/// the context on the stack: no EVP context round trip per value as with <see cref="IncrementalHash"/>
/// (OpenSSL 3's one-shot <c>SHA256()</c> was measured no faster than that, so it is not used). Used only after it reproduced a known
/// digest at start-up; otherwise <see cref="IsAvailable"/> is false and callers use .NET's own SHA-256.
/// </summary>
internal static unsafe partial class NativeSha256
{
    private const string Library = "libcrypto.so.3";

    public static readonly bool IsAvailable = Probe();

    /// <summary>Longest input hashed natively (the call holds off the GC while it runs).</summary>
    public const int MaxInputLength = 64 * 1024;

    // SHA256_CTX is 112 bytes (8 + 2 + 16 + 2 ints); a little room is left over.
    private const int ContextSize = 128;

    [LibraryImport(Library, EntryPoint = "SHA256_Init")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvSuppressGCTransition)])]
    private static partial int Init(byte* context);

    [LibraryImport(Library, EntryPoint = "SHA256_Update")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvSuppressGCTransition)])]
    private static partial int Update(byte* context, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "SHA256_Final")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvSuppressGCTransition)])]
    private static partial int Final(byte* digest, byte* context);

    /// <summary>Writes the SHA-256 of <paramref name="data"/> into <paramref name="digest"/> (32 bytes).</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        var context = stackalloc byte[ContextSize];
        fixed (byte* d = data)
        fixed (byte* md = digest)
        {
            Init(context);
            Update(context, d, (nuint)data.Length);
            Final(md, context);
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            Span<byte> digest = stackalloc byte[32];
            Hash("person@example.com"u8, digest);
            // The spec's vector for person@example.com.
            return Convert.ToHexStringLower(digest) == "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }
}
