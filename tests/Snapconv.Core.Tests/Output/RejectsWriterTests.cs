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

public class WarningCountTests
{
    [Fact]
    public async Task Report_EventWithTwoBadEmails_CountsOnceInWarningsByReason()
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-warn-");
        try
        {
            var input = Path.Combine(dir.FullName, "in.csv");
            File.WriteAllText(input, "email,email_address,phone,event_name,event_time\nnot-mail,also-not-mail,+1 202 555 0123,SIGN_UP,1734567890\n");
            var r = await Snapconv.Core.Pipeline.ConversionRun.ExecuteAsync([input], new ConversionOptions(),
                new Snapconv.Core.Pipeline.ConversionOutputs(), TimeProvider.System, CancellationToken.None);
            Assert.Equal(1, r.Report.Accepted);
            Assert.Equal(1, r.Report.WarningsByReason["INVALID_EMAIL"]);
        }
        finally { dir.Delete(true); }
    }
}
