using Akka.Configuration;

namespace AkkaMq.Auth.Tests;

public class AuthSettingsTests
{
    private static AuthSettings Create(string hocon, string? secret) =>
        AuthSettings.Create(ConfigurationFactory.ParseString(hocon), name => name == "ADMIN_SECRET" ? secret : null);

    [Fact]
    public void Off_by_default_and_needs_nothing()
    {
        var s = Create("", null);
        Assert.False(s.Enabled);
        Assert.True(s.MetricsOpen);
        Assert.Equal(TimeSpan.FromMinutes(5), s.MaxClockSkew);
    }

    [Theory]
    [InlineData("akkamq.auth.enabled = on", "ADMIN_SECRET-value", "akkamq.auth.init-user.username")]
    [InlineData("akkamq.auth { enabled = on, init-user.username = admin }", "ADMIN_SECRET-value", "akkamq.auth.init-user.password-env")]
    [InlineData("akkamq.auth { enabled = on, init-user { username = admin, password-env = ADMIN_SECRET } }", null, "ADMIN_SECRET, which is not set")]
    [InlineData("akkamq.auth { enabled = on, init-user { username = admin, password-env = ADMIN_SECRET } }", "123", "shorter than")]
    [InlineData("akkamq.auth { enabled = on, init-user { username = \"ad min\", password-env = ADMIN_SECRET } }", "long-enough", "illegal character")]
    public void Auth_on_without_a_usable_first_user_refuses_naming_the_setting(string hocon, string? secret, string named)
    {
        var e = Assert.Throws<ConfigurationException>(() => Create(hocon, secret));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Auth_on_with_the_init_user_and_its_secret()
    {
        var s = Create("akkamq.auth { enabled = on, init-user { username = admin, password-env = ADMIN_SECRET } }", "long-enough");
        Assert.Equal(("admin", "long-enough"), (s.InitUsername, s.InitPassword));
    }
}
