// Compile-time stub of Jenkins core's hudson.model.DirectoryBrowserSupport (tests/consumers/jenkins/README.md).
package hudson.model;

public class DirectoryBrowserSupport {
    public DirectoryBrowserSupport(Object owner, hudson.FilePath base, String title, String icon, boolean serveDirIndex) {
    }
}
