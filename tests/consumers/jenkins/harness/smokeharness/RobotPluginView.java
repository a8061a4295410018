// The harness around the Jenkins Robot Framework plugin's own parser (tests/consumers/jenkins/README.md).
//
// Usage: java smokeharness.RobotPluginView FOLDER FILE
// Parses FOLDER/FILE with the plugin's RobotParser.RobotParserCallable (as the `robot` step does on
// the agent), tallies the result as RobotBuildAction does, and prints one JSON object per line:
//   {"kind":"suite", ...}  every suite: the page's "Description:" row (RobotSuiteResult/index.jelly)
//   {"kind":"case", ...}   every test: status and "Message:" as RobotCaseResult/index.jelly shows them
//   {"kind":"result", ...} the counts of the build summary (util/robotsummary.jelly)
//   {"kind":"token", ...}  ${ROBOT_FAILEDCASES, addErrorMessages=true}, evaluated by the plugin's macro
// Jelly pages of the plugin escape by default (escape-by-default='true'): a value is shown as text.
package smokeharness;

import hudson.FilePath;
import hudson.model.Run;
import hudson.plugins.robot.RobotBuildAction;
import hudson.plugins.robot.RobotParser;
import hudson.plugins.robot.model.RobotCaseResult;
import hudson.plugins.robot.model.RobotResult;
import hudson.plugins.robot.model.RobotSuiteResult;
import hudson.plugins.robot.tokens.RobotFailedCasesTokenMacro;
import java.io.File;
import java.util.List;

public final class RobotPluginView {
    private RobotPluginView() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RobotPluginView FOLDER FILE");
            System.exit(2);
        }
        File folder = new File(args[0]);
        RobotParser.RobotParserCallable callable = new RobotParser.RobotParserCallable(args[1], "log.html", "report.html");
        RobotResult result = callable.invoke(folder, null);
        RobotBuildAction action = new RobotBuildAction(result);
        result.tally(action);

        for (RobotSuiteResult suite : result.getAllSuites()) {
            System.out.println(object(
                    "kind", "suite",
                    "path", suite.getRelativePackageName(result),
                    "name", suite.getName(),
                    "description", suite.getDescription(),
                    "passed", suite.getPassed(),
                    "failed", suite.getFailed(),
                    "skipped", suite.getSkipped()));
        }
        for (RobotCaseResult test : result.getAllCases()) {
            String status = test.isPassed() ? "PASS" : test.isSkipped() ? "SKIP" : "FAIL";
            System.out.println(object(
                    "kind", "case",
                    "path", test.getRelativePackageName(result),
                    "name", test.getName(),
                    "status", status,
                    "message", test.getErrorMsg() == null ? "" : test.getErrorMsg(),
                    "description", test.getDescription(),
                    "tags", test.getTags()));
        }
        System.out.println(object(
                "kind", "result",
                "total", result.getOverallTotal(),
                "passed", result.getOverallPassed(),
                "failed", result.getOverallFailed(),
                "skipped", result.getOverallSkipped()));

        Run<?, ?> build = new Run<>();
        build.addAction(action);
        RobotFailedCasesTokenMacro macro = new RobotFailedCasesTokenMacro();
        macro.addErrorMessages = true;
        System.out.println(object(
                "kind", "token",
                "name", "ROBOT_FAILEDCASES",
                "value", macro.evaluate(build, new FilePath(folder), null, "ROBOT_FAILEDCASES")));
    }

    private static String object(Object... pairs) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                json.append(',');
            }
            json.append(value(pairs[i])).append(':').append(value(pairs[i + 1]));
        }
        return json.append('}').toString();
    }

    private static String value(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder json = new StringBuilder("[");
            for (Object item : list) {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append(value(item));
            }
            return json.append(']').toString();
        }
        String text = value.toString();
        StringBuilder json = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
