<?php
/**
 * Plugin Name: Co-op File Share
 * Description: Lets logged-in members share meeting minutes and rota spreadsheets.
 * Version: 1.2.0
 * Author: Larkspur Co-op volunteers
 */
if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_shortcode( 'coop_files', 'coop_files_list' );

function coop_files_list() {
	$dir   = wp_upload_dir();
	$files = glob( trailingslashit( $dir['basedir'] ) . 'coop-files/*' );
	$out   = '<ul class="coop-files">';
	foreach ( (array) $files as $f ) {
		$name = esc_html( basename( $f ) );
		$out .= '<li><a href="' . esc_url( $dir['baseurl'] . '/coop-files/' . rawurlencode( basename( $f ) ) ) . '">' . $name . '</a></li>';
	}
	return $out . '</ul>';
}
