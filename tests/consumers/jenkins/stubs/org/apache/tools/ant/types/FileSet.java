// Stub of Ant's FileSet (tests/consumers/jenkins/README.md): one folder and one file name in it.
package org.apache.tools.ant.types;

import java.io.File;
import org.apache.tools.ant.DirectoryScanner;

public class FileSet {
    private final File dir;
    private final String name;

    public FileSet(File dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    public DirectoryScanner getDirectoryScanner() {
        return new DirectoryScanner(dir, name);
    }
}
