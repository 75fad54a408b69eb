using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

/// <summary>Every vector of spec §3.1: the normalized value and its SHA-256.</summary>
public sealed class SpecVectorTests
{
    private static NormalizeContext Ctx(string? def = null, string? row = null, string? dob = null) =>
        new() { DefaultCountry = def, RowCountry = row, DobFormat = dob, Clock = Today };

    // "Today" of the date-of-birth rule (#17: the context's clock, no default).
    private static readonly FakeTimeProvider Today = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

    private static void AssertVector(IdentifierKind kind, string input, NormalizeContext ctx, string normalized, string sha)
    {
        var r = IdentifierNormalizer.Normalize(kind, input, ctx);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(normalized, r.Value);
        Assert.Null(r.Warning);
        Assert.Equal(sha, Sha256Hex.Hash(r.Value));
    }

    [Theory]
    [InlineData("Person@Example.com", "person@example.com", "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345")]
    [InlineData("    test123@example.com  ", "test123@example.com", "20b82517b67108ed3a171539dc5dd1da605660249b02f38dd70f572a545c7d18")]
    [InlineData(" Jane.Doe+Promo@Example.ORG ", "jane.doe+promo@example.org", "7dbf37be869d2b8bd63dd2360d139614283796d7d561f8e98c6f581a63d295c2")]
    public void Email_SpecVector_NormalizesAndHashes(string input, string normalized, string sha) =>
        AssertVector(IdentifierKind.Em, input, Ctx(), normalized, sha);

    [Theory]
    [InlineData("+44 844 412 4653", null, "448444124653", "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383")]
    [InlineData("+44-447-234-2344", null, "444472342344", "19f25a18866af88fc60189c3af85010a0b971cf976053787fe21e004538c20a0")]
    [InlineData("0044-447-234-2344", null, "444472342344", "19f25a18866af88fc60189c3af85010a0b971cf976053787fe21e004538c20a0")]
    [InlineData("+44-0447-234-2344", null, "444472342344", "19f25a18866af88fc60189c3af85010a0b971cf976053787fe21e004538c20a0")]
    [InlineData("+44 0447 234 2344", null, "444472342344", "19f25a18866af88fc60189c3af85010a0b971cf976053787fe21e004538c20a0")]
    [InlineData("+1-447-234-2344", null, "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("+1-(447) 234 2344", null, "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("447-234-2344", "US", "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("4472342344", "US", "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("(447)-234-2344", "US", "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("447 234-2344", "US", "14472342344", "34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014")]
    [InlineData("030 901820", "DE", "4930901820", "c03f76216358b07b09a300613908002987efc1ae9a2ef2a85d57d5a971bf821a")]
    [InlineData("+33 (0)1 42 68 53 00", null, "33142685300", "a7ee5e5f621eee53700e8c391504973a6477203ada0a7ab40782713bf4ee6f43")]
    [InlineData("011 44 20 7183 8750", "US", "442071838750", "8d5f937f3a5590634cbe975951a6aa1543170671ce6e73cce4062f4e8c288417")]
    public void Phone_SpecVector_NormalizesAndHashes(string input, string? def, string normalized, string sha) =>
        AssertVector(IdentifierKind.Ph, input, Ctx(def), normalized, sha);

    [Theory]
    [InlineData(IdentifierKind.Fn, "John", "john", "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a")]
    [InlineData(IdentifierKind.Fn, "Raphaël", "raphaël", "e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7")]
    [InlineData(IdentifierKind.Fn, "Raphae\u0308l", "raphaël", "e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7")]
    [InlineData(IdentifierKind.Fn, " Jean-Luc ", "jeanluc", "7fef38066db9900f992fa9926eea8cc648f44c2af50c4d511c415422196c8ef5")]
    [InlineData(IdentifierKind.ExternalId, "ABC123", "abc123", "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090")]
    [InlineData(IdentifierKind.ExternalId, "aBc123", "abc123", "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090")]
    [InlineData(IdentifierKind.Ct, "Zürich", "zürich", "201f10d5d64518d86d2d3a47d28675d1c788762c5345df643dadec71d4e0a91e")]
    [InlineData(IdentifierKind.St, " Texas ", "tx", "1b5b9ccb3e8d006a5230de9bda23ff91edc794d4f56410560830b418528e446c")]
    [InlineData(IdentifierKind.St, "TX", "tx", "1b5b9ccb3e8d006a5230de9bda23ff91edc794d4f56410560830b418528e446c")]
    [InlineData(IdentifierKind.St, "Québec", "qc", "997164d13810adf6cab52541447d083c4472e5ca6052cc6ddd9501318ac5730c")]
    [InlineData(IdentifierKind.Zp, "98052-6399", "98052", "f5f325affe6d349af0f5ddd37020813e7c46211e900b5a3afdbdcb867a19de5c")]
    [InlineData(IdentifierKind.Country, "Germany", "de", "959a45d44e6fcf58361ed004681556fe50129f2109e817dec098c00c9e5d2578")]
    [InlineData(IdentifierKind.Country, "DEU", "de", "959a45d44e6fcf58361ed004681556fe50129f2109e817dec098c00c9e5d2578")]
    [InlineData(IdentifierKind.Country, "de", "de", "959a45d44e6fcf58361ed004681556fe50129f2109e817dec098c00c9e5d2578")]
    [InlineData(IdentifierKind.Ge, "FEMALE", "f", "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111")]
    [InlineData(IdentifierKind.Db, "1988-07-04", "19880704", "f3f82fe3720232431d8318fc545022fdcaf0c027cd8ef7b4d0a54abbc8963023")]
    public void Field_SpecVector_NormalizesAndHashes(IdentifierKind kind, string input, string normalized, string sha) =>
        AssertVector(kind, input, Ctx(), normalized, sha);

    [Fact]
    public void Zip_BrazilianWithHyphen_KeepsHyphen() =>
        AssertVector(IdentifierKind.Zp, "01310-100", Ctx(row: "br"), "01310-100",
            "92e857e593196b87f8f7b369c2f9098096d371d8b9db5c5b34c0e4a426bae9b5");

    [Fact]
    public void DateOfBirth_MonthFirstWithDobFormat_Normalizes() =>
        AssertVector(IdentifierKind.Db, "07/04/1988", Ctx(dob: "MM/dd/yyyy"), "19880704",
            "f3f82fe3720232431d8318fc545022fdcaf0c027cd8ef7b4d0a54abbc8963023");

    [Fact]
    public void Email_UpperCaseSha256_PassesThroughLowerCased()
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Em,
            "7B17FB0BD173F625B58636FB796407C22B3D16FC78302D79F0FD30C2FC2FC068", NormalizeContext.Default);
        Assert.Equal(NormalizeStatus.AlreadyHashed, r.Status);
        Assert.Equal("7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068", r.Value);
    }

    [Fact]
    public void Phone_NationalWithoutAnyCountry_IsInvalidPhone()
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Ph, "447-234-2344", NormalizeContext.Default);
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
        Assert.Same(Reason.InvalidPhone, r.Warning);
    }

    public static TheoryData<IdentifierKind> AllKinds()
    {
        var data = new TheoryData<IdentifierKind>();
        foreach (var k in Enum.GetValues<IdentifierKind>()) data.Add(k);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void AnyKind_EmptyOrBlank_IsEmpty(IdentifierKind kind)
    {
        foreach (var raw in new[] { "", " ", "\t \u00A0", "\uFEFF", "\u200B \u200B" })
        {
            var r = IdentifierNormalizer.Normalize(kind, raw, NormalizeContext.Default);
            Assert.Equal(NormalizeStatus.Empty, r.Status);
            Assert.Null(r.Value);
        }
    }
}
