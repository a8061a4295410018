// Stub of Jenkins core's hudson.Util (tests/consumers/jenkins/README.md): the two methods the
// plugin's parser and model call. createFileSet takes a plain file name relative to the folder
// (the harness passes "output.xml"), not an Ant pattern.
package hudson;

import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.apache.tools.ant.types.FileSet;

public final class Util {
    private Util() {
    }

    public static FileSet createFileSet(File baseDir, String includes) {
        return new FileSet(baseDir, includes);
    }

    public static String rawEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
