// Compile-time stub of the plugin's RobotConfig (a Jenkins global configuration; tests/consumers/jenkins/README.md).
package hudson.plugins.robot;

public final class RobotConfig {
    private static final RobotConfig INSTANCE = new RobotConfig();

    public static RobotConfig getInstance() {
        return INSTANCE;
    }

    public String getXAxisLabelFormat() {
        return "#$build";
    }
}
