// Stub of Jenkins core's hudson.FilePath (tests/consumers/jenkins/README.md): a local folder; act()
// runs the callable in this process, as Jenkins does for a workspace on the controller.
package hudson;

import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import org.jenkinsci.remoting.RoleChecker;

public final class FilePath {
    private final File file;

    public FilePath(File file) {
        this.file = file;
    }

    public FilePath(FilePath base, String rel) {
        this.file = new File(base.file, rel);
    }

    public boolean exists() {
        return file.exists();
    }

    public <T> T act(FileCallable<T> callable) throws IOException, InterruptedException {
        return callable.invoke(file, null);
    }

    public interface FileCallable<T> extends Serializable {
        T invoke(File f, VirtualChannel channel) throws IOException, InterruptedException;

        void checkRoles(RoleChecker checker) throws SecurityException;
    }
}
