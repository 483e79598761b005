<?php
# MediaWiki settings of the members' wiki (wiki.larkspur-coop.example).
if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}
$wgSitename = "Larkspur Wiki";
$wgMetaNamespace = "Larkspur_Wiki";
$wgScriptPath = "";
$wgArticlePath = "/wiki/$1";
$wgServer = "https://wiki.larkspur-coop.example";
$wgResourceBasePath = $wgScriptPath;
$wgLogos = [ '1x' => "$wgResourceBasePath/images/b/b7/Logo.png" ];
$wgEnableEmail = true;
$wgEmergencyContact = "ops@larkspur-coop.example";
$wgPasswordSender = "wiki@larkspur-coop.example";
$wgDBtype = "mysql";
$wgDBserver = "localhost";
$wgDBname = "wikidb";
$wgDBuser = "wikiuser";
$wgDBpassword = "Hq8!rT2mZw5c";
$wgDBprefix = "";
$wgMainCacheType = CACHE_ACCEL;
$wgEnableUploads = true;
$wgUseImageMagick = false;
$wgLanguageCode = "en";
$wgSecretKey = "4f1c9e27a6b3d8051e7c2a9f6b4d0e38c5a1f7b2e9d6c3a0f8b5e2d7c4a1f9e6";
$wgUpgradeKey = "a51c3e9f7b2d4c60";
$wgGroupPermissions['*']['edit'] = false;
$wgGroupPermissions['*']['createaccount'] = false;
wfLoadSkin( 'Vector' );
wfLoadSkin( 'MonoBook' );
wfLoadExtension( 'ParserFunctions' );
wfLoadExtension( 'Cite' );
