// A stand-in for the tablet app's link in a process of its own, so a test can freeze it
// whole (SIGSTOP) as a hung app or a suspended tablet would be: holds the owner's link,
// reads every state and acknowledges it. Usage: tablet_link TARGET OWNER_TOKEN
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "dermad/v1/treatment.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tablet_link TARGET OWNER_TOKEN\n";
    return 2;
  }
  auto stub = dermad::v1::TreatmentService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto link = stub->Link(&ctx);
  dermad::v1::LinkBeat beat;
  beat.set_owner_token(argv[2]);
  if (!link->Write(beat)) return 1;
  beat.clear_owner_token();
  dermad::v1::SessionInfo info;
  while (link->Read(&info)) {
    beat.set_ack_seq(info.seq());
    if (!link->Write(beat)) break;
  }
  const grpc::Status st = link->Finish();
  std::cerr << "tablet_link: " << st.error_code() << " " << st.error_message() << "\n";
  return st.ok() ? 0 : 1;
}
