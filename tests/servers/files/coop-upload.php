<?php
/*
 * Co-op File Share: upload endpoint used by the member form (multipart POST, field "file").
 * Stores the file under wp-content/uploads/YYYY/MM/ and answers with its URL as JSON.
 */
require_once dirname( __FILE__, 4 ) . '/wp-load.php';

header( 'Content-Type: application/json' );
if ( empty( $_FILES['file'] ) || UPLOAD_ERR_OK !== $_FILES['file']['error'] ) {
	http_response_code( 400 );
	echo json_encode( array( 'error' => 'no file' ) );
	exit;
}
$up   = wp_upload_dir();
$name = basename( $_FILES['file']['name'] );
$dest = trailingslashit( $up['path'] ) . $name;
if ( ! move_uploaded_file( $_FILES['file']['tmp_name'], $dest ) ) {
	http_response_code( 500 );
	echo json_encode( array( 'error' => 'could not store file' ) );
	exit;
}
echo json_encode( array( 'url' => trailingslashit( $up['url'] ) . rawurlencode( $name ) ) );
