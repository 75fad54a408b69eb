using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

// #17: an object of a source is committed when its own events settled, told per file by FileSettlement.
public class FileSettlementTests
{
    [Fact]
    public void Settled_FileReadAndEveryEventSettled_ToldOnceAsSoonAsItIs()
    {
        var told = new List<int>();
        var s = new FileSettlement(told.Add);
        s.Open();
        s.Accepted(0, 3);
        s.Read(0);
        s.Accepted(1, 2);
        s.Settled(0, 2);
        Assert.Empty(told);
        s.Settled(1, 2);
        Assert.Empty(told); // file 1 is still being read
        s.Settled(0);
        Assert.Equal([0], told);
        s.Read(1);
        Assert.Equal([0, 1], told);
        s.Settled(1, 0);
        Assert.Equal([0, 1], told);
    }

    [Fact]
    public void Settled_LaterFileBeforeEarlierOne_NeitherWaitsForTheOther()
    {
        var told = new List<int>();
        var s = new FileSettlement(told.Add);
        s.Open();
        s.Accepted(0);
        s.Read(0);
        s.Accepted(1);
        s.Read(1);
        s.Settled(1);
        Assert.Equal([1], told);
        s.Settled(0);
        Assert.Equal([1, 0], told);
    }

    [Fact]
    public void Failed_AnEventOfTheFileStaysPending_FileNeverTold()
    {
        var told = new List<int>();
        var s = new FileSettlement(told.Add);
        s.Open();
        s.Accepted(0, 2);
        s.Accepted(0);
        s.Read(0);
        s.Settled(0, 2);
        s.Failed(0);
        s.Accepted(1);
        s.Read(1);
        s.Settled(1);
        Assert.Equal([1], told);
    }

    [Fact]
    public void Open_BeforeTheGateLetsTheRunThrough_NothingTold_ThenTheSettledFiles()
    {
        var told = new List<int>();
        var s = new FileSettlement(told.Add);
        s.Read(0);                 // a file without accepted events
        s.Accepted(1);
        s.Read(1);
        s.Accepted(2);
        s.Read(2);
        s.Settled(2);
        Assert.Empty(told);
        s.Open();
        Assert.Equal([0, 2], told);
        s.Settled(1);
        Assert.Equal([0, 2, 1], told);
    }
}
