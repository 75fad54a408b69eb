using Snapconv.Core.Capi;
using Snapconv.Core.Output;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Output;

public class RejectsWriterTests
{
    [Fact]
    public void Complete_InputColumnNamedLikeATrailingColumn_TrailingOneIsPrefixed()
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-rejects-");
        try
        {
            var path = Path.Combine(dir.FullName, "rejects.csv");
            using (var w = new RejectsWriter(path))
            {
                w.Add(["email", "reason"], ["a@b", "walk-in"], new RowIssue(new RowRef("in.csv", 3), "email", Reason.MissingUserData));
                w.Complete();
            }
            var lines = File.ReadAllLines(path);
            Assert.Equal("email,reason,row,file,snapconv_reason,field,code,message", lines[0]);
            Assert.StartsWith("a@b,walk-in,3,in.csv,MISSING_USER_DATA,email,505,", lines[1]);
        }
        finally { dir.Delete(true); }
    }
}
