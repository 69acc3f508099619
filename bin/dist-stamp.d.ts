/** Types of bin/dist-stamp.js (plain JS so the launcher needs no build and no tsx). */
export declare const DIST_DIR: string;
export declare const STAMP_FILE: string;
export declare const DIST_ENTRY: string;
export declare function isBuildInput(name: string): boolean;
export declare function sourceFingerprint(root: string): string;
export declare function freshBuild(root: string): { entry: string | undefined; reason: string };
